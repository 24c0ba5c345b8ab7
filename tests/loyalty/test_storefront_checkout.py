"""End to end with a live worker: a member redeems a free product, a shopper applies the code
on devshop's storefront and checks out, devshop delivers orders/create and orders/paid to the
app over HTTP, the worker processes them and the redemption is marked used."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from devshop.models import DevOrder
from devshop.services import products
from devshop.services.products import VariantInput
from loyalty.models import Redemption
from loyalty.services.redemption import reward_redeem
from shopify_app.models import Order, WebhookDelivery
from tests.factories import RewardFactory
from tests.loyalty.conftest import credit, devshop_connect, devshop_member

pytestmark = pytest.mark.worker


def _wait_for(predicate, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _status(redemption_id) -> str:
    return Redemption.objects.values_list("status", flat=True).get(pk=redemption_id)


def test_a_free_product_code_bought_on_the_storefront_marks_the_redemption_used(
    shop, inprocess_http, celery_worker, client
):
    dev_shop = devshop_connect(shop)
    mug = products.product_create(
        shop=dev_shop, title="Ceramic Mug", variants=[VariantInput("Blue", Decimal("18.50"))]
    )
    tea = products.product_create(
        shop=dev_shop, title="Green Tea", variants=[VariantInput("Default Title", Decimal("12"))]
    )
    member = devshop_member(shop, dev_shop)
    credit(member, 1000, "seed")
    reward = RewardFactory(
        shop=shop, kind="free_product", name="Free mug", points_cost=400, amount=None,
        product_variant_id=mug.variants.get().id,
    )  # fmt: skip

    # The issue task runs on the worker and creates the code in devshop over HTTP.
    redemption = reward_redeem(member=member, reward=reward)
    _wait_for(lambda: _status(redemption.pk) == "issued", "the code to be issued")

    root = f"/store/{dev_shop.domain}/"
    customer_id = member.customer.shopify_id
    assert client.post(f"{root}account/login", {"customer_id": customer_id}).status_code == 302
    # The launcher's "Apply to cart": /discount/CODE?redirect=/cart.
    applied = client.get(f"{root}discount/{redemption.code}?redirect=/cart")
    assert applied["Location"] == f"{root}cart"
    for variant in (mug.variants.get(), tea.variants.get()):
        assert client.post(f"{root}cart/add", {"id": variant.id}).status_code == 302
    paid = client.post(f"{root}checkout", {"action": "pay", "discount_code": redemption.code})
    assert paid.status_code == 303, paid.content

    order = DevOrder.objects.get(shop=dev_shop)
    assert order.discount_codes == [
        {"code": redemption.code, "amount": "18.50", "type": "percentage"}
    ]
    assert order.total_price == Decimal("12.00")
    _wait_for(lambda: _status(redemption.pk) == "used", "the redemption to be marked used")
    redemption.refresh_from_db()
    assert redemption.used_order_shopify_id == order.id
    assert set(WebhookDelivery.objects.filter(shop=shop).values_list("topic", "status")) >= {
        ("orders/create", "done"),
        ("orders/paid", "done"),
    }
    mirrored = Order.objects.get(shop=shop, shopify_id=order.id)
    assert mirrored.total_price == Decimal("12.00")
