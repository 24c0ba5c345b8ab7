"""Lulus: VIP by purchase frequency, with a "You've earned it" entry reward given once however
the order webhooks are duplicated, reordered or batched."""

from __future__ import annotations

from decimal import Decimal

from loyalty.models import PointsTransaction
from loyalty.vip.models import TierChange
from tests.loyalty.conftest import assert_consistent
from tests.loyalty.vip.conftest import configure, member_of, tier, tier_of


def lulus(shop):
    return configure(
        shop,
        tier("VIP", 1, "3", basis="orders", entry_points=200, customer_tag="VIP"),
        tier("Icon", 2, "6", basis="orders", entry_points=500),
    )


def bonuses(member) -> list[tuple[str, int]]:
    return sorted(
        PointsTransaction.objects.filter(member=member, kind="tier_bonus").values_list(
            "idempotency_key", "amount"
        )
    )


def test_the_third_order_makes_a_vip_whatever_it_costs(store):
    tiers = lulus(store.shop)
    customer = store.customer()
    for price in ("5.00", "5.00"):
        store.paid(store.order(customer=customer, lines=[(Decimal(price), 1)]))
    assert tier_of(member_of(store, customer)) is None

    store.paid(store.order(customer=customer, lines=[(Decimal("1.00"), 1)]))

    member = member_of(store, customer)
    assert tier_of(member) == "VIP"
    vip = tiers["VIP"]
    assert bonuses(member) == [(f"vip:{vip.pk}:member:{member.pk}:term:lifetime", 200)]


def test_the_entry_reward_is_given_once_despite_duplicated_and_reordered_events(store):
    tiers = lulus(store.shop)
    customer = store.customer()
    a, b, c = (store.order(customer=customer) for _ in range(3))
    # Reordered: the third order first; duplicated: Shopify's retry (same webhook id, the
    # inbox keeps one) and orders/updated for an order already paid.
    store.paid(c)
    store.paid(a, webhook_id="wh-a")
    store.paid(a, webhook_id="wh-a")
    store.order_event("orders/updated", c)
    store.paid(b)
    store.order_event("orders/updated", b)
    store.paid(b)

    member = member_of(store, customer)
    assert tier_of(member) == "VIP"
    assert len(bonuses(member)) == 1

    # A refund takes the member below three orders: lifetime tiers have no term, so under
    # end-of-period the tier goes now; a new order brings it back, without a second reward.
    b, refund = store.refund(b, subtotal=Decimal("100.00"))
    store.refunded(b, refund)
    assert tier_of(member_of(store, customer)) is None
    store.paid(store.order(customer=customer))

    member = member_of(store, customer)
    assert tier_of(member) == "VIP"
    assert bonuses(member) == [(f"vip:{tiers['VIP'].pk}:member:{member.pk}:term:lifetime", 200)]
    history = TierChange.objects.filter(member=member).order_by("created_at", "pk")
    assert [(h.from_tier_id, h.to_tier_id, h.reason) for h in history] == [
        (None, tiers["VIP"].pk, "qualified"),
        (tiers["VIP"].pk, None, "downgraded"),
        (None, tiers["VIP"].pk, "qualified"),
    ]
    assert member.balance == 300 + 200  # three orders that stand, one entry reward
    assert_consistent(member)


def test_a_batch_of_orders_decides_each_member_once_on_all_its_orders(store):
    lulus(store.shop)
    frequent, casual = store.customer(), store.customer()
    with store.batch() as outcomes:
        for _ in range(6):
            store.paid(store.order(customer=frequent))
        store.paid(store.order(customer=casual))

    assert {o.status for o in outcomes} == {"done"}
    member = member_of(store, frequent)
    # Six orders in one batch: straight to Icon (its reward only; VIP was never held).
    assert tier_of(member) == "Icon"
    assert [amount for _, amount in bonuses(member)] == [500]
    assert tier_of(member_of(store, casual)) is None
    assert_consistent(member)


def test_the_youve_earned_it_coupon_is_given_once_on_entering_the_tier(store):
    """The entry reward may be a catalog reward: its code, without spending points, listed
    wherever the member's codes are — once per tier and term, as the entry points."""
    from loyalty.models import ProgramSettings, Redemption
    from loyalty.storefront.selectors import member_json
    from tests.factories import RewardFactory

    coupon = RewardFactory(
        shop=store.shop, kind="percent_off", name="You've earned it: 20% off", amount=None,
        percent=Decimal("20"), points_cost=2000, code_expiry_days=30,
    )  # fmt: skip
    tiers = configure(
        store.shop,
        tier("VIP", 1, "3", basis="orders", entry_reward_id=coupon.pk, customer_tag="VIP"),
    )
    customer = store.customer()
    a, b, c = (store.order(customer=customer) for _ in range(3))
    store.paid(c)
    store.paid(a)
    store.paid(a, webhook_id="wh-a")
    store.paid(a, webhook_id="wh-a")
    store.paid(b)
    store.order_event("orders/updated", b)

    member = member_of(store, customer)
    assert tier_of(member) == "VIP"
    given = Redemption.objects.get(member=member)
    key = f"vip:{tiers['VIP'].pk}:member:{member.pk}:term:lifetime:reward"
    assert (given.grant_key, given.points, given.debit_entry_id) == (key, 0, None)
    assert (given.status, given.percent, given.reward_id) == ("pending", Decimal("20"), coupon.pk)
    assert given.ends_at is not None
    assert member.balance == 300  # the orders' points; nothing spent on the coupon

    # Dropping out and coming back within the lifetime term gives no second coupon.
    b, refund = store.refund(b, subtotal=Decimal("100.00"))
    store.refunded(b, refund)
    assert tier_of(member_of(store, customer)) is None
    store.paid(store.order(customer=customer))
    assert tier_of(member_of(store, customer)) == "VIP"
    assert Redemption.objects.filter(member=member).count() == 1

    # The launcher's "my codes" lists it with the reward's name.
    settings = ProgramSettings.objects.get(shop=store.shop)
    codes = member_json(settings=settings, member=member, shop=store.shop)["codes"]
    assert [(c["code"], c["title"], c["percent"]) for c in codes] == [
        (given.code, "You've earned it: 20% off", "20")
    ]
    assert_consistent(member_of(store, customer))
