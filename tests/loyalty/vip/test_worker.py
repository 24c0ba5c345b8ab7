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
