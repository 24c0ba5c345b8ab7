"""Periods and downgrades: the calendar year turns at midnight in the shop's timezone, a rolling
window lets old orders go, and the grace period delays the move down. The nightly job is
``member_tiers_evaluate`` for the whole shop, run here for given moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from loyalty.vip.models import MemberTier, TierChange
from loyalty.vip.services import member_tiers_evaluate
from tests.loyalty.vip.conftest import configure, member_of, tier, tier_of


def test_a_calendar_year_tier_resets_at_midnight_in_the_shops_timezone(store):
    assert store.shop.timezone == "America/New_York"  # UTC-5 in winter
    late, early = store.customer(), store.customer()
    # 23:30 on 31 December in New York (04:30 UTC on 1 January): last year's order.
    store.clock = datetime(2026, 1, 1, 4, 30, tzinfo=UTC)
    store.paid(store.order(customer=late))
    # 00:10 on 1 January in New York: this year's.
    store.clock = datetime(2026, 1, 1, 5, 10, tzinfo=UTC)
    store.paid(store.order(customer=early))
    # Configured just before midnight in New York: the late order counts for 2025.
    configure(
        store.shop,
        tier("Gold", 1, "50", period="calendar_year"),
        now=datetime(2026, 1, 1, 4, 45, tzinfo=UTC),
    )
    assert tier_of(member_of(store, late)) == "Gold"
    assert tier_of(member_of(store, early)) is None
    state = MemberTier.objects.get(member=member_of(store, late))
    assert state.kept_until == datetime(2026, 1, 1, 5, 0, tzinfo=UTC)  # the end of its year

    # The nightly job after New York's midnight: a new year, a new count.
    member_tiers_evaluate(shop=store.shop, now=datetime(2026, 1, 1, 6, 0, tzinfo=UTC))

    assert tier_of(member_of(store, late)) is None
    assert tier_of(member_of(store, early)) == "Gold"
    assert MemberTier.objects.get(member=member_of(store, early)).kept_until == datetime(
        2027, 1, 1, 5, 0, tzinfo=UTC
    )


def test_a_rolling_tier_moves_down_only_after_its_term_and_the_grace_period(store):
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    leaving, staying = store.customer(), store.customer()
    store.clock = start
    store.paid(store.order(customer=leaving))
    store.paid(store.order(customer=staying))
    configure(
        store.shop,
        tier("Gold", 1, "100", period="rolling_12_months", multiplier=Decimal(2)),
        downgrade="grace",
        grace_days=10,
        now=start + timedelta(hours=1),
    )
    assert tier_of(member_of(store, leaving)) == "Gold"
    # The staying member orders again eleven months on (the event is evaluated then too).
    store.clock = start + timedelta(days=335)
    store.paid(store.order(customer=staying))

    def nightly(days: float) -> None:
        member_tiers_evaluate(shop=store.shop, now=start + timedelta(days=days))

    nightly(366)  # the first orders left the window; the term (12 months) has just ended
    state = MemberTier.objects.get(member=member_of(store, leaving))
    assert tier_of(member_of(store, leaving)) == "Gold"  # grace starts
    assert state.below_since == start + timedelta(days=366)
    nightly(375)
    assert tier_of(member_of(store, leaving)) == "Gold"  # day 9 of 10
    nightly(376)
    assert tier_of(member_of(store, leaving)) is None
    assert member_of(store, leaving).tier_multiplier == Decimal(1)

    assert tier_of(member_of(store, staying)) == "Gold"
    assert MemberTier.objects.get(member=member_of(store, staying)).below_since is None
    changes = TierChange.objects.filter(member=member_of(store, leaving)).order_by("pk")
    assert [c.reason for c in changes] == ["config", "downgraded"]


def test_the_never_policy_keeps_a_tier_reached(store):
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    store.clock = start
    customer = store.customer()
    store.paid(store.order(customer=customer))
    configure(
        store.shop,
        tier("Gold", 1, "100", period="rolling_12_months"),
        downgrade="never",
        now=start + timedelta(hours=1),
    )
    assert tier_of(member_of(store, customer)) == "Gold"
    member_tiers_evaluate(shop=store.shop, now=start + timedelta(days=800))

    assert tier_of(member_of(store, customer)) == "Gold"


def test_an_end_of_period_tier_is_kept_until_its_term_ends(store):
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    store.clock = start
    customer = store.customer()
    store.paid(store.order(customer=customer))
    configure(
        store.shop,
        tier("Gold", 1, "100", period="rolling_12_months"),
        now=start + timedelta(hours=1),
    )
    assert tier_of(member_of(store, customer)) == "Gold"

    member_tiers_evaluate(shop=store.shop, now=start + timedelta(days=364))
    assert tier_of(member_of(store, customer)) == "Gold"
    member_tiers_evaluate(shop=store.shop, now=start + timedelta(days=366))
    assert tier_of(member_of(store, customer)) is None
