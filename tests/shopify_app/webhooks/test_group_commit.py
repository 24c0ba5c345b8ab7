"""The intake's group commit: deliveries arriving together share one INSERT and one commit.

These run outside a test transaction (``transaction=True``), as the web request does, so the
rows are really committed by the statement that carried them.
"""

from __future__ import annotations

import threading

import orjson
import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from shopify_app.models import WebhookDelivery
from shopify_app.services import webhook_intake as intake
from tests.factories import ShopFactory
from tests.shopify_app.webhooks.conftest import example_payload, signed_headers

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL intake path"),
    pytest.mark.django_db(transaction=True),
]


def _params(webhook_id: str, domain: str, *, accept: bool = False, event_id: str | None = None):
    return intake._Delivery(
        webhook_id=webhook_id,
        topic="orders/paid",
        api_version="2026-07",
        event_id=event_id,
        triggered_at=timezone.now(),
        body=orjson.dumps({"id": webhook_id}),
        status="pending",
        received_at=timezone.now(),
        shop_domain=domain,
        accept_uninstalled=accept,
    )


def test_one_statement_stores_a_batch_and_says_which_deliveries_it_stored():
    shop = ShopFactory(domain="alice-shop.myshopify.com")
    gone = ShopFactory(domain="gone.myshopify.com", uninstalled_at=timezone.now())
    WebhookDelivery.objects.create(shop=shop, webhook_id="old", topic="orders/paid", payload={})

    outcomes = intake._insert_batch(
        [
            _params("a", shop.domain),
            _params("old", shop.domain),  # a retry of a stored delivery
            _params("b", "nobody.myshopify.com"),  # unknown shop
            _params("c", gone.domain),  # uninstalled shop
            _params("d", gone.domain, accept=True),  # ...for a topic accepted after uninstall
            _params("a", shop.domain),  # the same delivery twice in one batch
            _params("e", shop.domain, event_id="ev-1"),
            _params("f", shop.domain, event_id="ev-1"),  # a second subscription's copy of "e"
        ]
    )

    assert outcomes == [True, False, False, False, True, True, True, False]
    stored = WebhookDelivery.objects.order_by("webhook_id")
    assert [(d.shop.domain, d.webhook_id) for d in stored] == [
        (shop.domain, "a"),
        (gone.domain, "d"),
        (shop.domain, "e"),
        (shop.domain, "old"),
    ]
    assert stored.get(webhook_id="a").payload == {"id": "a"}


def test_a_batch_with_a_row_postgresql_refuses_fails_only_that_delivery():
    shop = ShopFactory(domain="alice-shop.myshopify.com")
    # api_version is varchar(16): the whole statement would fail.
    refused = _params("bad", shop.domain)._replace(api_version="x" * 17)

    outcomes = intake._insert_batch([_params("a", shop.domain), refused, _params("b", shop.domain)])

    assert outcomes[0] is True and outcomes[2] is True
    assert isinstance(outcomes[1], Exception)
    assert sorted(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == ["a", "b"]


def test_concurrent_deliveries_through_the_view_are_each_stored_once():
    shop = ShopFactory(domain="alice-shop.myshopify.com")
    body = orjson.dumps(example_payload("orders/paid"))
    results: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def deliver(n: int) -> None:
        start.wait()
        try:
            for i in range(10):
                # Every delivery is sent twice (Shopify's retry): stored once.
                headers = signed_headers(
                    body=body, topic="orders/paid", shop_domain=shop.domain, webhook_id=f"{n}-{i}"
                )
                for _ in range(2):
                    response = Client().post(
                        "/webhooks", body, content_type="application/json", headers=headers
                    )
                    with lock:
                        results.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert results == [200] * 160
    assert WebhookDelivery.objects.filter(shop=shop).count() == 80
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"pending"}
