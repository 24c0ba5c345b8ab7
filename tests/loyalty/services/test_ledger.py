"""The ledger core: idempotent entries, FIFO lots, the append-only trigger, the CHECKs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from loyalty.exceptions import InsufficientPoints, InvalidPointsAmount
from loyalty.models import LotAllocation, Member, PointsTransaction
from loyalty.services.ledger import (
    entry_write,
    member_lock,
    points_adjust,
    points_post_due,
)
from tests.loyalty.conftest import assert_consistent, credit


def debit(member, points, key, **kwargs):
    with transaction.atomic():
        entry, _ = entry_write(
            member=member_lock(member_id=member.pk),
            amount=-points,
            kind="redeem",
            idempotency_key=key,
            **kwargs,
        )
    member.refresh_from_db()
    return entry


def test_a_credit_is_written_once_per_key(member):
    credit(member, 50, "order:1:earn")
    credit(member, 50, "order:1:earn")

    assert member.balance == 50
    assert member.lifetime_earned == 50
    assert PointsTransaction.objects.filter(member=member).count() == 1
    assert_consistent(member)


def test_the_same_key_in_another_shop_is_another_entry(member, other_shop):
    from tests.factories import MemberFactory

    outsider = MemberFactory(shop=other_shop)
    credit(member, 50, "order:1:earn")
    credit(outsider, 70, "order:1:earn")

    assert (member.balance, outsider.balance) == (50, 70)


def test_debits_consume_the_oldest_lots_first_and_record_allocations(member):
    credit(member, 100, "a", earned_at=timezone.now() - timedelta(days=30))
    credit(member, 100, "b", earned_at=timezone.now() - timedelta(days=10))
    credit(member, 100, "c")

    entry = debit(member, 150, "redemption:1")

    used = {
        a.lot.entry.idempotency_key: a.amount
        for a in entry.allocations.select_related("lot__entry")
    }
    assert used == {"a": 100, "b": 50}
    assert member.balance == 150
    assert_consistent(member)


def test_a_debit_larger_than_the_balance_is_refused_and_writes_nothing(member):
    credit(member, 100, "a")

    with pytest.raises(InsufficientPoints):
        debit(member, 101, "redemption:1")

    member.refresh_from_db()
    assert member.balance == 100
    assert not PointsTransaction.objects.filter(idempotency_key="redemption:1").exists()
    assert not LotAllocation.objects.exists()


def test_zero_and_negative_amounts_are_refused(member):
    with pytest.raises(InvalidPointsAmount):
        credit(member, 0, "zero")


def test_the_database_refuses_a_negative_balance(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(balance=-1)


def test_the_database_refuses_a_zero_entry(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsTransaction.objects.create(
            shop=member.shop, member=member, amount=0, kind="adjustment", idempotency_key="z"
        )


def test_ledger_entries_cannot_be_edited(member):
    credit(member, 100, "a")
    entry = PointsTransaction.objects.get(idempotency_key="a")

    with pytest.raises(IntegrityError), transaction.atomic():
        PointsTransaction.objects.filter(pk=entry.pk).update(amount=1000)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsTransaction.objects.filter(pk=entry.pk).update(idempotency_key="b")


def test_an_entrys_free_text_can_be_erased_but_not_rewritten(member):
    # customers/redact erases staff-written text; the entry's facts stay frozen.
    credit(member, 100, "a", reason="called about Ada's parcel", note="Sorry, Ada!")
    entry = PointsTransaction.objects.get(idempotency_key="a")

    with pytest.raises(IntegrityError), transaction.atomic():
        PointsTransaction.objects.filter(pk=entry.pk).update(note="Sorry, Bob!")
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsTransaction.objects.filter(pk=entry.pk).update(reason="", amount=1000)
    PointsTransaction.objects.filter(pk=entry.pk).update(reason="", note="")

    entry.refresh_from_db()
    assert (entry.reason, entry.note, entry.amount) == ("", "", 100)


def test_only_pending_entries_change_status(member):
    credit(member, 100, "a")
    posted = PointsTransaction.objects.get(idempotency_key="a")
    credit(member, 40, "held", pending_until=timezone.now() + timedelta(days=5))
    held = PointsTransaction.objects.get(idempotency_key="held")

    with pytest.raises(IntegrityError), transaction.atomic():
        PointsTransaction.objects.filter(pk=posted.pk).update(status="void")
    PointsTransaction.objects.filter(pk=held.pk).update(status="void")  # allowed

    held.refresh_from_db()
    assert held.status == "void"


def test_held_credits_are_pending_until_the_job_posts_them(member):
    now = timezone.now()
    credit(member, 80, "order:9:earn", pending_until=now + timedelta(days=14), now=now)
    assert (member.balance, member.pending) == (0, 80)

    assert points_post_due(now=now + timedelta(days=13)) == 0
    assert points_post_due(now=now + timedelta(days=14)) == 1
    assert points_post_due(now=now + timedelta(days=15)) == 0

    member.refresh_from_db()
    assert (member.balance, member.pending, member.lifetime_earned) == (80, 0, 80)
    assert_consistent(member)


def test_staff_adjustment_records_who_why_and_the_customer_note(member):
    entry = points_adjust(
        member=member,
        points=250,
        reason="Delayed delivery",
        note="Sorry for the wait!",
        created_by="staff:42",
        idempotency_key="form-1",
    )
    again = points_adjust(
        member=member,
        points=250,
        reason="Delayed delivery",
        note="Sorry for the wait!",
        created_by="staff:42",
        idempotency_key="form-1",
    )

    member.refresh_from_db()
    assert again.pk == entry.pk
    assert member.balance == 250
    assert (entry.kind, entry.created_by, entry.reason, entry.note) == (
        "adjustment",
        "staff:42",
        "Delayed delivery",
        "Sorry for the wait!",
    )


def test_a_staff_deduction_cannot_go_below_zero(member):
    credit(member, 100, "a")

    with pytest.raises(InsufficientPoints):
        points_adjust(
            member=member, points=-101, reason="typo", created_by="staff:1", idempotency_key="f"
        )
    points_adjust(
        member=member, points=-100, reason="typo", created_by="staff:1", idempotency_key="g"
    )

    member.refresh_from_db()
    assert member.balance == 0
    assert_consistent(member)


def test_an_adjustment_needs_a_reason(member):
    with pytest.raises(InvalidPointsAmount):
        points_adjust(member=member, points=5, reason=" ", created_by="s", idempotency_key="x")
