"""Mpix: silver, gold and platinum by amount spent, with more points per $ at each level.

Everything goes through the real inbox and dispatcher: the order's points are written at the
member's tier multiplier, then the club's handler re-decides the tier on the new basis."""

from __future__ import annotations

from decimal import Decimal

from loyalty.models import OrderPoints, PointsTransaction
from loyalty.vip.models import TierChange
from tests.loyalty.conftest import assert_consistent
from tests.loyalty.vip.conftest import configure, member_of, tier, tier_of


def earned(order) -> OrderPoints:
    return OrderPoints.objects.get(order_shopify_id=order.id)


def test_a_customer_climbing_by_orders_earns_more_per_dollar_at_each_step(store):
    configure(
        store.shop,
        tier("Silver", 1, "0", multiplier=Decimal("1")),
        tier("Gold", 2, "200", multiplier=Decimal("1.25"), entry_points=50),
        tier("Platinum", 3, "500", multiplier=Decimal("1.5"), entry_points=100),
    )
    customer = store.customer()
    steps = []
    for price in ("100.00", "100.00", "100.00", "200.00", "100.00"):
        order = store.order(customer=customer, lines=[(Decimal(price), 1)])
        delivery = store.paid(order)
        assert delivery.status == "done", delivery.last_error
        op = earned(order)
        steps.append((op.awarded, op.multiplier, tier_of(member_of(store, customer))))

    assert steps == [
        (100, Decimal("1"), "Silver"),  # not yet a member of any tier when it was earned
        (100, Decimal("1"), "Gold"),  # $200 spent: gold from the next order on
        (125, Decimal("1.25"), "Gold"),
        (250, Decimal("1.25"), "Platinum"),  # $500 spent
        (150, Decimal("1.5"), "Platinum"),
    ]
    member = member_of(store, customer)
    bonuses = PointsTransaction.objects.filter(member=member, kind="tier_bonus")
    assert sorted(bonuses.values_list("amount", flat=True)) == [50, 100]
    assert member.balance == 100 + 100 + 125 + 250 + 150 + 50 + 100
    history = TierChange.objects.filter(member=member).order_by("created_at", "pk")
    assert [(c.from_tier and c.from_tier.name, c.to_tier.name) for c in history] == [
        (None, "Silver"),
        ("Silver", "Gold"),
        ("Gold", "Platinum"),
    ]
    assert_consistent(member)


def test_refunds_reverse_exactly_what_the_multiplied_earn_gave(store):
    configure(
        store.shop,
        tier("Silver", 1, "0"),
        tier("Gold", 2, "200", multiplier=Decimal("1.25")),
        tier("Platinum", 3, "300", multiplier=Decimal("1.5")),
    )
    customer = store.customer()
    first = store.order(customer=customer, lines=[(Decimal("100.00"), 1)])
    second = store.order(customer=customer, lines=[(Decimal("100.00"), 1)])
    store.paid(first)
    store.paid(second)
    gold = store.order(customer=customer, lines=[(Decimal("30.00"), 1), (Decimal("70.00"), 1)])
    store.paid(gold)  # earned at 1.25: 125
    platinum = store.order(customer=customer, lines=[(Decimal("100.00"), 1)])
    store.paid(platinum)  # $300 reached by the previous order: 150
    assert (earned(gold).awarded, earned(platinum).awarded) == (125, 150)
    assert tier_of(member_of(store, customer)) == "Platinum"

    # A partial refund of the gold order, now that the member earns at 1.5: it takes back the
    # refunded share of the 125 given (30% of 125 = 37.5, rounded in the member's favour: 37),
    # not 30 x 1.5.
    gold, refund = store.refund(gold, line=0, subtotal=Decimal("30.00"))
    assert store.refunded(gold, refund).status == "done"
    reversal = PointsTransaction.objects.get(idempotency_key=f"refund:{refund.id}:reverse")
    assert reversal.amount == -38  # 125 - floor(125 x 70%) = 125 - 87
    gold, rest = store.refund(gold, line=1, subtotal=Decimal("70.00"))
    store.refunded(gold, rest)
    platinum, full = store.refund(platinum, subtotal=Decimal("100.00"))
    store.refunded(platinum, full)

    member = member_of(store, customer)
    reversed_points = PointsTransaction.objects.filter(member=member, kind="refund_reversal")
    assert sorted(reversed_points.values_list("amount", flat=True)) == [-150, -87, -38]
    assert member.balance == 100 + 100  # the two orders that stay, each at 1x
    # $200 left spent: lifetime tiers have no term to keep, so end-of-period moves down now.
    assert tier_of(member) == "Gold"
    assert_consistent(member)
