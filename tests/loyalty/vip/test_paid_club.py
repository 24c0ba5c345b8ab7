"""Rapha: a paid membership club. Buying the membership product's variant grants the tier for
its term; a refund of that line or a cancellation revokes it, whatever order (and however many
times) the webhooks arrive in, and the member falls back to the tier their own orders earn."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from loyalty.exceptions import TierConfigInvalid
from loyalty.models import PointsTransaction
from loyalty.vip.memberships import BY_PURCHASE, membership_ends_at
from loyalty.vip.models import MemberTier, TierChange, TierPurchase
from loyalty.vip.services import member_tiers_evaluate
from tests.loyalty.conftest import assert_consistent
from tests.loyalty.vip.conftest import configure, member_of, tier, tier_of

CLUB_VARIANT = 44_000_001


def rapha(shop, *above, **club):
    """Rider, Regular and the bought club (rank 3), and any tiers ``above`` it."""
    return configure(
        shop,
        tier("Rider", 1, "0"),
        tier("Regular", 2, "500"),
        tier(
            "Rapha Cycling Club",
            3,
            "0",
            invitation_only=True,
            multiplier=Decimal("1.5"),
            entry_points=250,
            membership_variant_id=f"gid://shopify/ProductVariant/{CLUB_VARIANT}",
            membership_term=club.get("term", 12),
            membership_term_unit=club.get("unit", "months"),
        ),
        *above,
    )


def membership_order(store, customer, *, extra: Decimal | None = None):
    """An order of the club's membership (and perhaps a jersey besides)."""
    lines = [(Decimal("200.00"), 1)] + ([(extra, 1)] if extra is not None else [])
    order = store.order(customer=customer, lines=lines)
    club_line = replace(order.line_items[0], variant_id=CLUB_VARIANT, title="Club membership")
    return replace(order, line_items=[club_line, *order.line_items[1:]])


def history(member) -> list[tuple[str | None, str | None, str]]:
    return [
        (c.from_tier and c.from_tier.name, c.to_tier and c.to_tier.name, c.reason)
        for c in TierChange.objects.filter(member=member)
        .select_related("from_tier", "to_tier")
        .order_by("created_at", "pk")
    ]


def test_buying_the_club_grants_the_tier_for_its_term_and_a_refund_revokes_it(store):
    tiers = rapha(store.shop)
    customer = store.customer()
    order = membership_order(store, customer)

    assert store.paid(order).status == "done"

    member = member_of(store, customer)
    state = MemberTier.objects.get(member=member)
    assert tier_of(member) == "Rapha Cycling Club"
    assert state.assigned_by == BY_PURCHASE
    assert state.term_start == order.processed_at
    assert state.kept_until == order.processed_at.replace(year=order.processed_at.year + 1)
    assert member.tier_multiplier == Decimal("1.5")
    assert history(member) == [(None, "Rapha Cycling Club", "purchased")]
    purchase = TierPurchase.objects.get(member=member)
    assert (purchase.tier_id, purchase.revoked_at) == (tiers["Rapha Cycling Club"].pk, None)

    # The nightly evaluation keeps a bought tier within its term (it ranks above what the
    # member's $200 earns, and invitation-only tiers are never evaluated away early).
    member_tiers_evaluate(shop=store.shop, now=store.tick(days=30))
    assert tier_of(member_of(store, customer)) == "Rapha Cycling Club"

    refunded, refund = store.refund(order, line=0, subtotal=Decimal("200.00"))
    assert store.refunded(refunded, refund).status == "done"

    member = member_of(store, customer)
    assert tier_of(member) == "Rider"  # what the member's own (now refunded) orders earn
    assert member.tier_multiplier == Decimal(1)
    assert history(member) == [
        (None, "Rapha Cycling Club", "purchased"),
        ("Rapha Cycling Club", "Rider", "refunded"),
    ]
    assert TierPurchase.objects.get(member=member).revoked_at is not None
    # Retried and late deliveries of the same facts change nothing.
    store.paid(order)
    store.refunded(refunded, refund)
    store.order_event("orders/updated", refunded)
    assert tier_of(member_of(store, customer)) == "Rider"
    assert len(history(member)) == 2
    assert_consistent(member)


def test_a_refund_seen_before_the_payment_leaves_nothing_granted(store):
    rapha(store.shop)
    customer = store.customer()
    order = membership_order(store, customer)
    refunded, refund = store.refund(order, line=0, subtotal=Decimal("200.00"))

    store.refunded(refunded, refund)  # Shopify delivered the refund first
    store.paid(order)
    store.paid(order, webhook_id="retry-of-paid")

    member = member_of(store, customer)
    assert tier_of(member) != "Rapha Cycling Club"
    assert not TierPurchase.objects.filter(member=member, revoked_at__isnull=True).exists()
    assert not TierChange.objects.filter(member=member, reason="purchased").exists()


def test_refunding_another_line_of_the_order_keeps_the_membership(store):
    rapha(store.shop)
    customer = store.customer()
    order = membership_order(store, customer, extra=Decimal("80.00"))
    store.paid(order)

    refunded, refund = store.refund(order, line=1, subtotal=Decimal("80.00"))
    store.refunded(refunded, refund)

    assert tier_of(member_of(store, customer)) == "Rapha Cycling Club"


def test_a_cancelled_order_revokes_the_membership(store):
    rapha(store.shop)
    customer = store.customer()
    order = membership_order(store, customer)
    store.paid(order)

    store.order_event("orders/cancelled", store.cancel(order))

    member = member_of(store, customer)
    assert tier_of(member) == "Rider"
    assert history(member)[-1] == ("Rapha Cycling Club", "Rider", "refunded")


def test_the_term_ends_and_the_member_gets_the_tier_their_orders_earn(store):
    rapha(store.shop, term=30, unit="days")
    customer = store.customer()
    order = membership_order(store, customer)
    store.paid(order)
    store.paid(store.order(customer=customer, lines=[(Decimal("400.00"), 1)]))
    member = member_of(store, customer)
    ends = MemberTier.objects.get(member=member).kept_until
    assert ends == order.processed_at + timedelta(days=30)

    member_tiers_evaluate(shop=store.shop, now=ends - timedelta(minutes=1))
    assert tier_of(member_of(store, customer)) == "Rapha Cycling Club"
    member_tiers_evaluate(shop=store.shop, now=ends)

    member = member_of(store, customer)
    assert tier_of(member) == "Regular"  # $600 spent
    assert history(member)[-1] == ("Rapha Cycling Club", "Regular", "downgraded")


def test_the_entry_reward_of_the_club_is_given_once_per_term(store):
    rapha(store.shop)
    customer = store.customer()
    order = membership_order(store, customer)
    store.paid(order)
    store.paid(order, webhook_id="dup")
    store.order_event("orders/updated", order)

    member = member_of(store, customer)
    assert list(
        PointsTransaction.objects.filter(member=member, kind="tier_bonus").values_list(
            "amount", flat=True
        )
    ) == [250]


def test_months_are_counted_on_the_shops_calendar(store):
    tiers = rapha(store.shop, term=1)
    club = tiers["Rapha Cycling Club"]
    paid = store.clock.replace(month=1, day=31, hour=12)

    assert membership_ends_at(tier=club, paid_at=paid, terms=1).date().isoformat() == (
        f"{paid.year}-02-{29 if paid.year % 4 == 0 else 28}"
    )
    assert membership_ends_at(tier=club, paid_at=paid, terms=2).month == 3


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"membership_variant_id": "gid://shopify/Product/1", "membership_term": 1,
          "invitation_only": True}, "membership_variant_id"),
        ({"membership_variant_id": 5, "membership_term": 0, "invitation_only": True},
         "membership_term"),
        ({"membership_variant_id": 5, "membership_term": 3}, "invitation_only"),
        ({"membership_variant_id": 5, "membership_term": 3, "invitation_only": True,
          "membership_term_unit": "weeks"}, "membership_term"),
    ],
)  # fmt: skip
def test_a_membership_tier_needs_a_variant_a_term_and_invitation_only(store, fields, problem):
    with pytest.raises(TierConfigInvalid) as raised:
        configure(store.shop, tier("Club", 1, "0", **fields))
    assert problem in raised.value.extra


def test_when_a_longer_lower_membership_outlasts_a_higher_one_the_member_moves_to_it(store):
    from loyalty.vip.memberships import memberships_refresh

    configure(
        store.shop,
        tier("Rider", 1, "0"),
        tier("Club", 2, "0", invitation_only=True, membership_variant_id=CLUB_VARIANT + 1,
             membership_term=90, membership_term_unit="days"),
        tier("Club Black", 3, "0", invitation_only=True, membership_variant_id=CLUB_VARIANT,
             membership_term=30, membership_term_unit="days"),
    )  # fmt: skip
    customer = store.customer()
    black = membership_order(store, customer)
    store.paid(black)
    order = store.order(customer=customer, lines=[(Decimal("50.00"), 1)])
    club_line = replace(order.line_items[0], variant_id=CLUB_VARIANT + 1)
    store.paid(replace(order, line_items=[club_line]))
    assert tier_of(member_of(store, customer)) == "Club Black"

    # The nightly job (``member_tiers_evaluate_shop``) after Black's 30 days: straight to the
    # Club still paid for, not through the evaluated tier.
    night = black.processed_at + timedelta(days=31)
    assert memberships_refresh(shop=store.shop, now=night) == 1
    member_tiers_evaluate(shop=store.shop, now=night)

    member = member_of(store, customer)
    assert tier_of(member) == "Club"
    assert history(member)[-1] == ("Club Black", "Club", "purchased")


def test_a_full_refund_without_lines_revokes_the_membership(store):
    rapha(store.shop)
    customer = store.customer()
    order = membership_order(store, customer)
    store.paid(order)

    # Refunded by amount only (no line restocked): the order's status says it all.
    store.order_event("orders/updated", replace(order, financial_status="refunded",
                                                updated_at=store.tick()))  # fmt: skip

    assert tier_of(member_of(store, customer)) == "Rider"


def test_the_data_request_exports_the_memberships_the_customer_bought(store):
    from loyalty.privacy import customer_loyalty_export

    rapha(store.shop)
    customer = store.customer()
    order = membership_order(store, customer)
    assert store.paid(order).status == "done"

    exported = customer_loyalty_export(
        shop=store.shop, customer_shopify_id=customer.id, email=None, order_shopify_ids=[]
    )

    [bought] = exported["tier_purchases"]
    assert (bought["tier"], bought["order_shopify_id"], bought["variant_id"]) == (
        "Rapha Cycling Club",
        order.id,
        CLUB_VARIANT,
    )
    assert bought["revoked_at"] is None and bought["ends_at"] is not None
    assert exported["member"]["tier"]["name"] == "Rapha Cycling Club"


def test_a_member_who_earns_more_than_they_bought_moves_up_and_falls_back_to_what_they_bought(
    store,
):
    from loyalty.vip import tasks

    rapha(store.shop, tier("Legend", 4, "1500", multiplier=Decimal("2")))
    customer = store.customer()
    store.paid(membership_order(store, customer))
    assert tier_of(member_of(store, customer)) == "Rapha Cycling Club"

    # $1,600 spent: the member's own orders earn Legend, above the club they bought.
    big = store.order(customer=customer, lines=[(Decimal("1400.00"), 1)])
    store.paid(big)
    member = member_of(store, customer)
    assert tier_of(member) == "Legend"
    assert member.tier_multiplier == Decimal(2)
    # The nightly pass (memberships before and after) leaves them there: the purchase waits.
    assert tasks.member_tiers_evaluate_shop(store.shop.pk) == 0
    assert tier_of(member_of(store, customer)) == "Legend"

    # The big order is refunded: Legend is lost at once (a lifetime tier has no term), and the
    # club, still within its paid term, holds again rather than what $200 earns.
    refunded, refund = store.refund(big, line=0, subtotal=Decimal("1400.00"))
    store.refunded(refunded, refund)
    member = member_of(store, customer)
    state = MemberTier.objects.get(member=member)
    assert (tier_of(member), state.assigned_by) == ("Rapha Cycling Club", BY_PURCHASE)
    assert member.tier_multiplier == Decimal("1.5")
    assert state.kept_until == TierPurchase.objects.get(member=member).ends_at
    assert [h[:2] for h in history(member)] == [
        (None, "Rapha Cycling Club"),
        ("Rapha Cycling Club", "Legend"),
        ("Legend", "Rider"),
        ("Rider", "Rapha Cycling Club"),
    ]
    # The club's welcome points were given once, for its one term.
    bonuses = PointsTransaction.objects.filter(member=member, kind="tier_bonus")
    assert [b.amount for b in bonuses] == [250]
    assert tasks.member_tiers_evaluate_shop(store.shop.pk) == 0
    assert tier_of(member_of(store, customer)) == "Rapha Cycling Club"
    assert_consistent(member)
