"""The nightly job: one evaluation task per shop with a club, set-based within the shop; and the
event path's cost, which does not grow with the shop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from loyalty.models import OrderPoints
from loyalty.vip import tasks
from loyalty.vip.models import MemberTier
from loyalty.vip.services import member_tiers_evaluate, vip_program_enable
from tests.factories import MemberFactory
from tests.loyalty.conftest import credit
from tests.loyalty.vip.conftest import configure, member_of, tier, tier_of


def test_the_beat_job_enqueues_one_task_per_shop_with_a_club(shop, other_shop, monkeypatch):
    configure(shop, tier("Gold", 1, "100"))
    sent: list[dict] = []
    monkeypatch.setattr(tasks.member_tiers_evaluate_shop, "delay", lambda **kw: sent.append(kw))

    assert tasks.member_tiers_evaluate_all.apply().get() == 1
    assert sent == [{"shop_id": shop.pk}]


def test_the_shop_task_decides_every_member_in_one_run(shop):
    members = [MemberFactory(shop=shop) for _ in range(5)]
    configure(shop, tier("Gold", 1, "100", basis="points"))
    for member in members[:3]:
        credit(member, 100, f"seed-{member.pk}")  # no order: only the nightly run sees it

    assert tasks.member_tiers_evaluate_shop.apply(kwargs={"shop_id": shop.pk}).get() == 3
    assert [tier_of(m) for m in members] == ["Gold"] * 3 + [None] * 2
    assert tasks.member_tiers_evaluate_shop.apply(kwargs={"shop_id": shop.pk}).get() == 0


def test_requalifying_in_a_new_year_keeps_a_calendar_tier_to_that_years_end(store):
    store.clock = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    customer = store.customer()
    store.paid(store.order(customer=customer))
    configure(
        store.shop,
        tier("Gold", 1, "100", period="calendar_year"),
        now=store.clock + timedelta(hours=1),
    )
    state = MemberTier.objects.get(member=member_of(store, customer))
    assert state.kept_until == datetime(2027, 1, 1, 5, 0, tzinfo=UTC)
    store.clock = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)
    store.paid(store.order(customer=customer))

    member_tiers_evaluate(shop=store.shop, now=datetime(2027, 2, 2, tzinfo=UTC))

    state.refresh_from_db()
    assert tier_of(member_of(store, customer)) == "Gold"
    assert state.kept_until == datetime(2028, 1, 1, 5, 0, tzinfo=UTC)


def test_an_events_evaluation_costs_the_same_whatever_the_shops_size(
    shop, django_assert_num_queries
):
    configure(shop, tier("Gold", 1, "100", basis="points", multiplier=Decimal(2)))
    counts = []
    for size in (2, 40):
        members = [MemberFactory(shop=shop) for _ in range(size)]
        credit(members[0], 100, f"seed-{size}")
        # The program, the live tiers, a savepoint, the member lock, the statement, the changed
        # members' customers (their launcher state is invalidated), the tiers for the entry
        # rewards (Gold has none to give), the release.
        with django_assert_num_queries(8) as queries:
            member_tiers_evaluate(shop=shop, member_ids=[members[0].pk])
        counts.append(len(queries))
        assert tier_of(members[0]) == "Gold"
    assert counts[0] == counts[1]


def test_switching_the_club_off_stops_the_multiplier_and_on_restores_it(store):
    configure(store.shop, tier("Gold", 1, "0", multiplier=Decimal(2)))
    customer = store.customer()
    store.paid(store.order(customer=customer))  # enrols the member: Gold from now on
    vip_program_enable(shop=store.shop, enabled=False)
    off = store.order(customer=customer)
    store.paid(off)
    vip_program_enable(shop=store.shop, enabled=True)
    on = store.order(customer=customer)
    store.paid(on)

    awarded = dict(OrderPoints.objects.values_list("order_shopify_id", "awarded"))
    assert (awarded[off.id], awarded[on.id]) == (100, 200)
    assert tier_of(member_of(store, customer)) == "Gold"
