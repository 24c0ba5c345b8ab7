"""End to end with a live Celery worker: an order's webhook makes the customer Gold, and after
commit the worker writes the tier's tag to the customer in devshop."""

from __future__ import annotations

import time
from dataclasses import replace
from decimal import Decimal

from devshop.models import DevCustomer
from devshop.services.customers import customer_create
from tests.loyalty.conftest import devshop_connect
from tests.loyalty.shopify import Store
from tests.loyalty.vip.conftest import configure, member_of, tier, tier_of


def _wait_for(predicate, *, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_an_order_that_reaches_gold_tags_the_customer_in_shopify(
    shop, inprocess_http, celery_worker
):
    dev_shop = devshop_connect(shop)
    configure(
        shop,
        tier("Silver", 1, "0", customer_tag="VIP Silver"),
        tier("Gold", 2, "150", customer_tag="VIP Gold", multiplier=Decimal("1.5")),
    )
    store = Store(shop)
    dev_customer = customer_create(shop=dev_shop, first_name="Ada", email="ada@example.com")
    customer = replace(store.customer(), id=dev_customer.id, email="ada@example.com")

    store.paid(store.order(customer=customer, lines=[(Decimal("100.00"), 1)]))
    _wait_for(
        lambda: DevCustomer.objects.get(pk=dev_customer.pk).tags == ["VIP Silver"],
        what="the Silver tag",
    )
    store.paid(store.order(customer=customer, lines=[(Decimal("100.00"), 1)]))

    # The live worker may be the one that processes this delivery: wait for it, as for the tags.
    _wait_for(lambda: tier_of(member_of(store, customer)) == "Gold", what="the Gold tier")
    _wait_for(
        lambda: DevCustomer.objects.get(pk=dev_customer.pk).tags == ["VIP Gold"],
        what="the Gold tag replacing Silver",
    )


def test_applied_tiers_give_gold_members_their_discount_at_checkout_without_a_code(
    shop, inprocess_http, celery_worker, client
):
    """tier_config_apply commits; the worker makes the segment and the automatic discount in
    devshop and tags the Gold member; devshop's checkout then takes 10 % off for them."""
    from devshop.models import DevAutomaticDiscount, DevOrder, DevSegment
    from devshop.services import products
    from devshop.services.products import VariantInput
    from loyalty.vip.services import member_tiers_evaluate
    from tests.loyalty.conftest import credit, devshop_member

    dev_shop = devshop_connect(shop)
    configure(
        shop,
        tier("Silver", 1, "100", basis="points", customer_tag="VIP Silver"),
        tier("Gold", 2, "500", basis="points", customer_tag="VIP Gold",
             discount_percent=Decimal("10")),
    )  # fmt: skip
    member = devshop_member(shop, dev_shop)
    credit(member, 600, "seed")
    member_tiers_evaluate(shop=shop, member_ids=[member.pk])
    customer_id = member.customer.shopify_id
    _wait_for(lambda: DevAutomaticDiscount.objects.filter(shop=dev_shop).exists(), what="discount")
    _wait_for(
        lambda: DevCustomer.objects.get(pk=customer_id).tags == ["VIP Gold"], what="the Gold tag"
    )
    assert DevSegment.objects.get(shop=dev_shop).query == "customer_tags CONTAINS 'VIP Gold'"

    mug = products.product_create(
        shop=dev_shop, title="Mug", variants=[VariantInput("Blue", Decimal("40.00"))]
    ).variants.get()
    root = f"/store/{dev_shop.domain}/"
    assert client.post(f"{root}account/login", {"customer_id": customer_id}).status_code == 302
    assert client.post(f"{root}cart/add", {"id": mug.id}).status_code == 302
    paid = client.post(f"{root}checkout", {"action": "pay", "discount_code": ""})

    assert paid.status_code == 303, paid.content
    order = DevOrder.objects.get(shop=dev_shop)
    assert (order.total_discounts, order.total_price) == (Decimal("4.00"), Decimal("36.00"))
