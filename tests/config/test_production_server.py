"""The production server (Granian, README "Deployment") serves the app over real HTTP.

Granian runs ``config.wsgi:application`` in its own process on the test database, as in
production; the test commits its rows (``transactional_db``) so the server's connections see
them. Checked here: the health endpoint, and a webhook delivery stored once though sent twice,
with the body stored byte for byte (Granian's WSGI input is what the intake reads).
"""

from __future__ import annotations

import http.client

import orjson
import pytest
from django.db import connection

from shopify_app.models import WebhookDelivery
from tests.factories import ShopFactory
from tests.granian import granian_server
from tests.shopify_app.webhooks.conftest import example_payload, signed_headers

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the server's own process needs a shared database"
)


@pytest.fixture
def granian(transactional_db):
    with granian_server(workers=1, threads=2) as port:
        yield port


def _request(port: int, method: str, path: str, body: bytes = b"", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_granian_serves_health_and_stores_a_delivery_once(granian):
    shop = ShopFactory(domain="alice-shop.myshopify.com")
    body = orjson.dumps(example_payload("orders/paid"))
    headers = {
        **signed_headers(body=body, topic="orders/paid", shop_domain=shop.domain),
        "Content-Type": "application/json",
    }

    health, health_body = _request(granian, "GET", "/healthz")
    first = _request(granian, "POST", "/webhooks", body, headers)
    retry = _request(granian, "POST", "/webhooks", body, headers)
    forged = _request(granian, "POST", "/webhooks", body + b" ", headers)

    assert health == 200, health_body  # the server's process reaches PostgreSQL and Redis
    assert (first[0], retry[0], forged[0]) == (200, 200, 401)
    delivery = WebhookDelivery.objects.get(shop=shop)
    assert bytes(delivery.body) == body
