"""Expiry by lot and by inactivity, and the reminders queued ahead of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyalty.models import Notification, PointsTransaction
from loyalty.services.expiry import expiry_reminders_queue, points_expire_due
from loyalty.services.notifications import (
    notifications_send_pending,
    register_notification_sender,
    unregister_notification_sender,
)
from loyalty.services.program import add_months, program_settings_update
from loyalty.services.redemption import reward_redeem
from shopify_app.models import Customer
from tests.factories import MemberFactory, RewardFactory
from tests.loyalty.conftest import assert_consistent, credit

T0 = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(T0, 1) == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    assert add_months(T0, -2) == datetime(2025, 11, 30, 12, 0, tzinfo=UTC)


def test_lots_expire_n_months_after_they_were_earned(shop):
    program_settings_update(shop_id=shop.pk, expiry_mode="lot", expiry_months=12)
    member = MemberFactory(shop=shop)
    credit(member, 100, "old", earned_at=T0, expires_at=add_months(T0, 12))
    later = T0 + timedelta(days=200)
    credit(member, 50, "new", earned_at=later, expires_at=add_months(later, 12))

    assert points_expire_due(now=add_months(T0, 12) - timedelta(seconds=1)) == 0
    assert points_expire_due(now=add_months(T0, 12)) == 100
    assert points_expire_due(now=add_months(T0, 12) + timedelta(days=1)) == 0

    member.refresh_from_db()
    assert member.balance == 50
    expiry = PointsTransaction.objects.get(kind="expiry")
    assert [(a.lot.entry.idempotency_key, a.amount) for a in expiry.allocations.all()] == [
        ("old", 100)
    ]
    assert_consistent(member)


def test_only_what_is_left_of_a_lot_expires(shop):
    program_settings_update(shop_id=shop.pk, expiry_mode="lot", expiry_months=6)
    member = MemberFactory(shop=shop)
    credit(member, 700, "old", earned_at=T0, expires_at=add_months(T0, 6))
    reward_redeem(member=member, reward=RewardFactory(shop=shop, points_cost=500))

    assert points_expire_due(now=add_months(T0, 6)) == 200
    member.refresh_from_db()
    assert member.balance == 0
    assert_consistent(member)


def test_inactivity_expires_the_whole_balance(shop):
    program_settings_update(shop_id=shop.pk, expiry_mode="inactivity", expiry_months=12)
    idle = MemberFactory(shop=shop, last_activity_at=T0)
    active = MemberFactory(shop=shop, last_activity_at=T0 + timedelta(days=100))
    credit(idle, 300, "a")
    credit(idle, 200, "b")
    credit(active, 300, "c")

    assert points_expire_due(now=add_months(T0, 12)) == 500
    assert points_expire_due(now=add_months(T0, 12) + timedelta(days=1)) == 0

    idle.refresh_from_db()
    active.refresh_from_db()
    assert (idle.balance, active.balance) == (0, 300)
    assert_consistent(idle, active)


def test_no_expiry_unless_the_shop_chose_it(shop):
    member = MemberFactory(shop=shop, last_activity_at=T0)
    credit(member, 300, "a", expires_at=T0)

    assert points_expire_due(now=add_months(T0, 60)) == 0


def test_reminders_30_and_7_days_before_expiry_once_each(shop):
    program_settings_update(shop_id=shop.pk, expiry_mode="inactivity", expiry_months=12)
    member = MemberFactory(shop=shop, last_activity_at=T0)
    credit(member, 300, "a")
    expires = add_months(T0, 12)

    assert expiry_reminders_queue(now=expires - timedelta(days=40)) == 0
    assert expiry_reminders_queue(now=expires - timedelta(days=29)) == 1
    assert expiry_reminders_queue(now=expires - timedelta(days=28)) == 0
    assert expiry_reminders_queue(now=expires - timedelta(days=6)) == 1

    payloads = sorted(n.payload["days"] for n in Notification.objects.filter(member=member))
    assert payloads == [7, 30]


@pytest.mark.parametrize("mode", ["lot", "inactivity"])
def test_no_reminder_for_a_customer_whose_data_was_erased(shop, mode):
    # customers/redact deletes the member's notifications; the job must not queue new ones.
    program_settings_update(shop_id=shop.pk, expiry_mode=mode, expiry_months=12)
    kept, redacted = (
        MemberFactory(shop=shop, last_activity_at=T0),
        MemberFactory(shop=shop, last_activity_at=T0),
    )
    for member in (kept, redacted):
        credit(member, 100, f"a{member.pk}", earned_at=T0, expires_at=add_months(T0, 12))
    Customer.objects.filter(pk=redacted.customer_id).update(redacted_at=T0)

    assert expiry_reminders_queue(now=add_months(T0, 12) - timedelta(days=20)) == 1

    assert Notification.objects.get().member_id == kept.pk


def test_lot_reminders_sum_the_points_expiring_that_day(shop):
    program_settings_update(shop_id=shop.pk, expiry_mode="lot", expiry_months=12)
    member = MemberFactory(shop=shop)
    credit(member, 100, "a", earned_at=T0, expires_at=add_months(T0, 12))
    credit(member, 40, "b", earned_at=T0, expires_at=add_months(T0, 12))

    assert expiry_reminders_queue(now=add_months(T0, 12) - timedelta(days=20)) == 1

    notification = Notification.objects.get()
    assert notification.payload["points"] == 140


def test_registered_senders_deliver_the_outbox_once(shop):
    program_settings_update(shop_id=shop.pk, expiry_mode="inactivity", expiry_months=12)
    member = MemberFactory(shop=shop, last_activity_at=T0)
    credit(member, 300, "a")
    expiry_reminders_queue(now=add_months(T0, 12) - timedelta(days=20))
    sent = []

    def record(notification) -> bool:
        sent.append(notification.pk)
        return True

    register_notification_sender("points_expiring", record)
    try:
        assert notifications_send_pending() == 1
        assert notifications_send_pending() == 0
    finally:
        unregister_notification_sender("points_expiring")
    assert len(sent) == 1
