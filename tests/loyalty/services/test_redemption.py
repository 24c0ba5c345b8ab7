"""Redemption: points debited under the member lock, the code created in devshop (Shopify's
stand-in) after commit, refunds on permanent failures, TAKEN after a lost response."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest

from devshop.models import DevDiscountCode
from loyalty.exceptions import (
    InsufficientPoints,
    InvalidRewardPoints,
    MemberExcluded,
    RewardUnavailable,
)
from loyalty.models import PointsTransaction, Redemption
from loyalty.services import redemption as redemption_services
from loyalty.services.members import member_exclude
from loyalty.services.redemption import (
    redemption_issue,
    redemption_sweep,
    redemptions_mark_used,
    reward_redeem,
)
from shopify_app import admin_api
from shopify_app.exceptions import ShopifyHttpError, ShopifyRetriableError
from tests.callbacks import work
from tests.factories import MemberFactory, RewardFactory
from tests.loyalty.conftest import assert_consistent, credit, devshop_connect, devshop_member


@pytest.fixture
def dev_shop(shop, inprocess_http):
    return devshop_connect(shop)


@pytest.fixture
def rich_member(shop, dev_shop):
    member = devshop_member(shop, dev_shop)
    credit(member, 1000, "seed")
    return member


def test_redeeming_debits_points_and_enqueues_the_code_after_commit(
    shop, rich_member, django_capture_on_commit_callbacks
):
    reward = RewardFactory(shop=shop, points_cost=500, amount=Decimal("5.00"))

    with django_capture_on_commit_callbacks() as callbacks:
        redemption = reward_redeem(member=rich_member, reward=reward)

    rich_member.refresh_from_db()
    assert rich_member.balance == 500
    assert redemption.status == "pending"
    assert redemption.debit_entry.amount == -500
    assert len(work(callbacks)) == 1
    assert_consistent(rich_member)


def test_the_code_is_created_in_shopify_for_that_customer_only(shop, dev_shop, rich_member):
    reward = RewardFactory(
        shop=shop, points_cost=500, amount=Decimal("5.00"), code_expiry_days=30,
        minimum_order=Decimal("20.00"),
    )  # fmt: skip
    redemption = reward_redeem(member=rich_member, reward=reward)

    redemption = redemption_issue(redemption_id=str(redemption.pk))

    assert redemption.status == "issued"
    assert redemption.discount_node_id.startswith("gid://shopify/DiscountCodeNode/")
    code = DevDiscountCode.objects.get(shop=dev_shop, code__iexact=redemption.code)
    assert code.usage_limit == 1
    assert code.applies_once_per_customer is True


def test_percent_rewards_are_sent_as_a_fraction(shop, dev_shop, rich_member):
    reward = RewardFactory(shop=shop, kind="percent_off", points_cost=300, amount=None,
                           percent=Decimal("15"))  # fmt: skip
    redemption = reward_redeem(member=rich_member, reward=reward)

    _, field, variables = redemption_services.discount_input(
        redemption=redemption, customer_gid=rich_member.customer.gid
    )
    value = variables["basicCodeDiscount"]["customerGets"]["value"]
    assert field == "discountCodeBasicCreate"
    assert value == {"percentage": 0.15}
    assert variables["basicCodeDiscount"]["context"] == {
        "customers": {"add": [rich_member.customer.gid]}
    }
    assert redemption_issue(redemption_id=str(redemption.pk)).status == "issued"


def test_free_shipping_uses_the_free_shipping_mutation(shop, dev_shop, rich_member):
    reward = RewardFactory(shop=shop, kind="free_shipping", points_cost=200, amount=None)
    redemption = reward_redeem(member=rich_member, reward=reward)

    redemption = redemption_issue(redemption_id=str(redemption.pk))

    assert redemption.status == "issued"
    assert DevDiscountCode.objects.get(code__iexact=redemption.code).kind == "free_shipping"


def test_a_retry_after_a_lost_response_finds_the_code_already_made(shop, dev_shop, rich_member):
    reward = RewardFactory(shop=shop)
    redemption = reward_redeem(member=rich_member, reward=reward)
    redemption_issue(redemption_id=str(redemption.pk))
    # The response was lost: our row is still pending, Shopify has the code.
    Redemption.objects.filter(pk=redemption.pk).update(status="pending", discount_node_id="")

    redemption = redemption_issue(redemption_id=str(redemption.pk))

    assert redemption.status == "issued"
    assert DevDiscountCode.objects.filter(code__iexact=redemption.code).count() == 1
    rich_member.refresh_from_db()
    assert rich_member.balance == 500


def test_a_permanent_failure_refunds_the_points(shop, dev_shop, rich_member):
    reward = RewardFactory(shop=shop)
    redemption = reward_redeem(member=rich_member, reward=reward)
    # The customer was deleted in Shopify meanwhile: devshop refuses the context.
    from devshop.models import DevCustomer

    DevCustomer.objects.filter(pk=rich_member.customer.shopify_id).delete()

    redemption = redemption_issue(redemption_id=str(redemption.pk))

    assert redemption.status == "refunded"
    assert redemption.refund_entry.amount == 500
    assert redemption.refund_entry.reverses_id == redemption.debit_entry_id
    rich_member.refresh_from_db()
    assert rich_member.balance == 1000
    assert_consistent(rich_member)


def test_a_4xx_refunds_the_points(shop, dev_shop, rich_member):
    redemption = reward_redeem(member=rich_member, reward=RewardFactory(shop=shop))

    with mock.patch.object(
        admin_api, "mutate", autospec=True, side_effect=ShopifyHttpError("403", status=403)
    ):
        redemption = redemption_issue(redemption_id=str(redemption.pk))

    assert redemption.status == "refunded"
    rich_member.refresh_from_db()
    assert rich_member.balance == 1000


def test_retriable_failures_retry_then_refund_after_the_last_attempt(shop, dev_shop, rich_member):
    redemption = reward_redeem(member=rich_member, reward=RewardFactory(shop=shop))

    with mock.patch.object(
        admin_api, "mutate", autospec=True, side_effect=ShopifyRetriableError("502", status=502)
    ):
        for _ in range(redemption_services.MAX_ATTEMPTS - 1):
            with pytest.raises(ShopifyRetriableError):
                redemption_issue(redemption_id=str(redemption.pk))
        redemption = redemption_issue(redemption_id=str(redemption.pk))

    assert redemption.status == "refunded"
    assert redemption.attempts == redemption_services.MAX_ATTEMPTS
    rich_member.refresh_from_db()
    assert rich_member.balance == 1000


def test_an_issued_redemption_is_never_issued_again(shop, dev_shop, rich_member):
    redemption = reward_redeem(member=rich_member, reward=RewardFactory(shop=shop))
    redemption_issue(redemption_id=str(redemption.pk))

    with mock.patch.object(admin_api, "mutate", autospec=True) as mutate:
        redemption_issue(redemption_id=str(redemption.pk))

    mutate.assert_not_called()


def test_not_enough_points(shop, member):
    credit(member, 499, "seed")

    with pytest.raises(InsufficientPoints):
        reward_redeem(member=member, reward=RewardFactory(shop=shop, points_cost=500))

    assert not Redemption.objects.exists()
    assert not PointsTransaction.objects.filter(kind="redeem").exists()


def test_excluded_members_and_inactive_or_foreign_rewards(shop, other_shop, member):
    credit(member, 1000, "seed")
    with pytest.raises(RewardUnavailable):
        reward_redeem(member=member, reward=RewardFactory(shop=other_shop))
    with pytest.raises(RewardUnavailable):
        reward_redeem(member=member, reward=RewardFactory(shop=shop, active=False))
    member_exclude(member=member, reason="staff")
    with pytest.raises(MemberExcluded):
        reward_redeem(member=member, reward=RewardFactory(shop=shop))


def test_variable_rewards_spend_points_in_increments_within_bounds(shop, member):
    credit(member, 5000, "seed")
    reward = RewardFactory(
        shop=shop, kind="variable_amount", points_cost=100, amount=Decimal("1.00"),
        min_points=500, max_points=2000,
    )  # fmt: skip

    redemption = reward_redeem(member=member, reward=reward, points=1200)
    assert (redemption.points, redemption.amount) == (1200, Decimal("12.00"))
    for bad in (None, 450, 1250, 2100):
        with pytest.raises(InvalidRewardPoints):
            reward_redeem(member=member, reward=reward, points=bad)


def test_a_retried_request_does_not_spend_twice(shop, member):
    credit(member, 1000, "seed")
    reward = RewardFactory(shop=shop)

    first = reward_redeem(member=member, reward=reward, request_key="click-1")
    again = reward_redeem(member=member, reward=reward, request_key="click-1")

    assert first.pk == again.pk
    member.refresh_from_db()
    assert member.balance == 500


def test_an_order_using_the_code_marks_the_redemption_used(shop, member):
    credit(member, 1000, "seed")
    redemption = reward_redeem(member=member, reward=RewardFactory(shop=shop))
    Redemption.objects.filter(pk=redemption.pk).update(status="issued")

    changed = redemptions_mark_used(shop=shop, codes=[redemption.code.lower()], order_shopify_id=55)

    redemption.refresh_from_db()
    assert changed == 1
    assert (redemption.status, redemption.used_order_shopify_id) == ("used", 55)


def test_the_paid_order_webhook_marks_its_codes_used(shop):
    from tests.loyalty.shopify import Store

    store = Store(shop)
    customer = store.customer()
    store.paid(store.order(customer=customer))
    member = MemberFactory._meta.model.objects.get(customer__shopify_id=customer.id)
    redemption = reward_redeem(member=member, reward=RewardFactory(shop=shop, points_cost=50))
    Redemption.objects.filter(pk=redemption.pk).update(status="issued")

    store.paid(store.order(customer=customer, codes=[redemption.code]))

    redemption.refresh_from_db()
    assert redemption.status == "used"


def test_the_sweeper_re_enqueues_stuck_pending_redemptions(shop, member):
    from datetime import timedelta

    from django.utils import timezone

    credit(member, 1000, "seed")
    redemption = reward_redeem(member=member, reward=RewardFactory(shop=shop))

    with mock.patch("loyalty.tasks.redemption_issue.delay", autospec=True) as delay:
        assert redemption_sweep(now=timezone.now()) == 0
        assert redemption_sweep(now=timezone.now() + timedelta(minutes=6)) == 1

    delay.assert_called_once_with(redemption_id=str(redemption.pk))


def test_the_code_is_issued_from_the_offer_frozen_at_redeem_time(shop, dev_shop, rich_member):
    reward = RewardFactory(
        shop=shop, name="Five off", points_cost=500, amount=Decimal("5.00"),
        minimum_order=Decimal("20.00"), combines_with_order=False, combines_with_product=False,
        combines_with_shipping=True,
    )  # fmt: skip
    redemption = reward_redeem(member=rich_member, reward=reward)
    # The merchant edits the reward before the issue task runs.
    reward.name = "Fifty off"
    reward.amount = Decimal("50.00")
    reward.minimum_order = Decimal("500.00")
    reward.combines_with_order = True
    reward.combines_with_product = True
    reward.combines_with_shipping = False
    reward.save()

    redemption = redemption_issue(redemption_id=str(redemption.pk))

    assert redemption.status == "issued"
    code = DevDiscountCode.objects.get(shop=dev_shop, code__iexact=redemption.code)
    assert code.title == f"Five off ({redemption.code})"
    assert (code.value_type, code.value) == ("fixed_amount", Decimal("5.00"))
    assert code.minimum_subtotal == Decimal("20.00")
    assert code.combines_with == {
        "orderDiscounts": False,
        "productDiscounts": False,
        "shippingDiscounts": True,
    }


@pytest.fixture
def mug(dev_shop):
    """A product in devshop with two variants: Blue at 18.50 and Red at 19.00."""
    from devshop.services import products
    from devshop.services.products import VariantInput

    return products.product_create(
        shop=dev_shop,
        title="Ceramic Mug",
        variants=[VariantInput("Blue", Decimal("18.50")), VariantInput("Red", Decimal("19.00"))],
    )


def test_a_free_product_reward_is_that_variant_at_100_percent_for_one_unit(
    shop, dev_shop, rich_member, mug
):
    from devshop.services import orders
    from devshop.services.orders import LineInput

    blue, red = mug.variants.order_by("id")
    # No amount: the code must not be worth the reward's (empty) amount.
    reward = RewardFactory(
        shop=shop, kind="free_product", name="Free mug", points_cost=400, amount=None,
        product_variant_id=blue.id,
    )  # fmt: skip
    redemption = redemption_issue(
        redemption_id=str(reward_redeem(member=rich_member, reward=reward).pk)
    )

    assert redemption.status == "issued"
    code = DevDiscountCode.objects.get(shop=dev_shop, code__iexact=redemption.code)
    assert (code.items_all, code.item_variant_ids, code.item_product_ids) == (False, [blue.id], [])
    assert (code.value_type, code.value, code.quantity_limit) == ("percentage", 1, 1)
    # At checkout: two blue mugs and a red one; one blue mug is free, nothing else is.
    customer = dev_shop.customers.get(id=rich_member.customer.shopify_id)
    order = orders.order_create(
        shop=dev_shop,
        customer=customer,
        lines=[
            LineInput("Mug", blue.price, quantity=2, product_id=mug.id, variant_id=blue.id),
            LineInput("Mug", red.price, product_id=mug.id, variant_id=red.id),
        ],
        discount_code=redemption.code,
    )
    assert order.total_discounts == Decimal("18.50")
    assert order.total_price == Decimal("37.50")  # 2 x 18.50 + 19.00 - 18.50
    assert [li.total_discount for li in order.line_items.order_by("id")] == [
        Decimal("18.50"),
        Decimal("0.00"),
    ]


def test_a_free_product_code_is_for_the_kind_and_variant_frozen_at_redeem_time(
    shop, dev_shop, rich_member, mug
):
    blue, red = mug.variants.order_by("id")
    reward = RewardFactory(
        shop=shop, kind="free_product", name="Free blue mug", points_cost=400, amount=None,
        product_variant_id=blue.id,
    )  # fmt: skip
    redemption = reward_redeem(member=rich_member, reward=reward)
    # The merchant turns the reward into another offer before the issue task runs.
    reward.kind, reward.amount, reward.product_variant_id = "fixed_amount", Decimal("50"), red.id
    reward.save()

    redemption = redemption_issue(redemption_id=str(redemption.pk))

    assert redemption.status == "issued"
    code = DevDiscountCode.objects.get(shop=dev_shop, code__iexact=redemption.code)
    assert (code.items_all, code.item_variant_ids) == (False, [blue.id])
    assert (code.value_type, code.value, code.quantity_limit) == ("percentage", 1, 1)


def test_a_free_product_code_is_refused_for_a_cart_without_that_variant(
    shop, dev_shop, rich_member
):
    from devshop.services import orders, products
    from devshop.services.discount_rules import NOT_FOR_CART, DiscountRefused
    from devshop.services.orders import LineInput
    from devshop.services.products import VariantInput

    mug, tea = (
        products.product_create(shop=dev_shop, title=t, variants=[VariantInput("Default", p)])
        for t, p in (("Mug", Decimal("18.50")), ("Tea", Decimal("12.00")))
    )
    reward = RewardFactory(
        shop=shop, kind="free_product", points_cost=400, amount=None,
        product_variant_id=mug.variants.get().id,
    )  # fmt: skip
    redemption = redemption_issue(
        redemption_id=str(reward_redeem(member=rich_member, reward=reward).pk)
    )
    customer = dev_shop.customers.get(id=rich_member.customer.shopify_id)
    variant = tea.variants.get()

    with pytest.raises(DiscountRefused) as refused:
        orders.order_create(
            shop=dev_shop,
            customer=customer,
            lines=[LineInput("Tea", variant.price, product_id=tea.id, variant_id=variant.id)],
            discount_code=redemption.code,
        )
    assert refused.value.shopper_message == NOT_FOR_CART


def test_a_free_product_reward_for_a_variant_shopify_lacks_refunds_the_points(
    shop, dev_shop, rich_member
):
    reward = RewardFactory(
        shop=shop, kind="free_product", points_cost=400, amount=None, product_variant_id=12345
    )

    redemption = redemption_issue(
        redemption_id=str(reward_redeem(member=rich_member, reward=reward).pk)
    )

    assert redemption.status == "refunded"
    assert "are invalid" in redemption.last_error
    rich_member.refresh_from_db()
    assert rich_member.balance == 1000
