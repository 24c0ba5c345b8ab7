"""Reads for the launcher and the admin, always scoped by shop."""

from __future__ import annotations

from decimal import Decimal

from loyalty import selectors
from loyalty.models import Redemption
from loyalty.services.redemption import reward_redeem
from tests.factories import EarningRuleFactory, MemberFactory, RewardFactory
from tests.loyalty.conftest import credit


def test_member_state_for_the_launcher(shop):
    member = MemberFactory(shop=shop)
    credit(member, 1200, "seed")
    RewardFactory(shop=shop, name="$5 off", points_cost=500)
    RewardFactory(shop=shop, name="$20 off", points_cost=2000, amount=Decimal("20"))
    RewardFactory(shop=shop, name="hidden", active=False)
    redemption = reward_redeem(member=member, reward=RewardFactory(shop=shop, points_cost=100))
    Redemption.objects.filter(pk=redemption.pk).update(status="issued")

    state = selectors.member_state(shop=shop, customer_shopify_id=member.customer.shopify_id)

    assert (state.enrolled, state.balance, state.balance_value) == (True, 1100, Decimal("11.00"))
    assert [c.code for c in state.unused_codes] == [redemption.code]
    offers = {o.reward.name: (o.points, o.value, o.affordable) for o in state.offers}
    assert offers["$5 off"] == (500, Decimal("5.00"), True)
    assert offers["$20 off"] == (2000, Decimal("20.00"), False)
    assert "hidden" not in offers


def test_anonymous_shoppers_see_the_catalog_only(shop):
    RewardFactory(shop=shop)

    state = selectors.member_state(shop=shop, customer_shopify_id=None)

    assert (state.enrolled, state.balance, state.unused_codes) == (False, 0, [])
    assert [o.affordable for o in state.offers] == [False]


def test_no_selector_crosses_shops(shop, other_shop):
    outsider = MemberFactory(shop=other_shop)
    RewardFactory(shop=other_shop)
    EarningRuleFactory(shop=other_shop)

    assert selectors.member_get(shop=shop, member_id=outsider.pk) is None
    their_customer = outsider.customer.shopify_id
    assert selectors.member_get_by_customer(shop=shop, customer_shopify_id=their_customer) is None
    assert list(selectors.member_list(shop=shop)) == []
    assert list(selectors.reward_list(shop=shop)) == []
    assert list(selectors.earning_rule_list(shop=shop)) == []
    assert selectors.member_history(shop=shop, member=outsider) == []


def test_member_list_searches_and_filters(shop):
    ada = MemberFactory(shop=shop, customer__email="ada@example.com")
    MemberFactory(shop=shop, customer__email="bob@example.com", state="excluded")

    assert list(selectors.member_list(shop=shop, search="ADA@")) == [ada]
    assert list(selectors.member_list(shop=shop, state="active")) == [ada]


def test_history_explains_each_debit_lot_by_lot(shop, django_assert_num_queries):
    member = MemberFactory(shop=shop)
    credit(member, 300, "first")
    credit(member, 300, "second")
    reward_redeem(member=member, reward=RewardFactory(shop=shop, points_cost=500))

    with django_assert_num_queries(2):
        history = selectors.member_history(shop=shop, member=member)
        redeem = history[0]
        used = [(a.lot.entry.idempotency_key, a.amount) for a in redeem.allocations.all()]

    assert redeem.kind == "redeem"
    assert used == [("first", 300), ("second", 200)]
    assert [lot.remaining for lot in selectors.member_lots(shop=shop, member=member)] == [100]
