"""The link locks a batch takes up front: every order and customer its deliveries concern."""

from __future__ import annotations

from django.db import connection, transaction

from shopify_app.models import WebhookDelivery
from shopify_app.services import mirror
from shopify_app.services.mirror import link_key_sql
from shopify_app.webhooks.locks import deliveries_links_lock


def _held_advisory_keys() -> set[int]:
    """This connection's advisory locks, as the bigint keys they were taken with."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks"
            " WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted"
        )
        return {key for (key,) in cursor.fetchall()}


def _key(shop, kind: str, shopify_id: int) -> int:
    with connection.cursor() as cursor:
        sql = link_key_sql(kind="%s", shop="%s::bigint", shopify_id="%s::bigint")
        cursor.execute(f"SELECT {sql}", [kind, shop.pk, shopify_id])
        return cursor.fetchone()[0]


def _delivery(shop, topic: str, payload: dict, n: int) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        shop=shop, webhook_id=f"locks-{n}", topic=topic, api_version="2026-07", payload=payload
    )


def test_a_batch_locks_its_orders_their_customers_and_its_customers(transactional_db, shop):
    # A refund's order already mirrored (committed, its own link locks released): the refund's
    # customer is known only from the mirror.
    mirror.orders_upsert(
        shop=shop, rows=[mirror.OrderRow(shopify_id=30, currency="USD", customer_shopify_id=3)]
    )
    deliveries = [
        _delivery(shop, "orders/paid", {"id": 10, "customer": {"id": 1}}, 1),
        _delivery(shop, "orders/paid", {"id": 11, "customer": None}, 2),  # a guest order
        _delivery(shop, "refunds/create", {"id": 99, "order_id": 30}, 3),
        _delivery(shop, "refunds/create", {"id": 98, "order_id": 40}, 4),  # order not mirrored
        _delivery(shop, "customers/update", {"id": 2}, 5),
        _delivery(shop, "orders/paid", {"no": "id"}, 6),  # a bad payload: its handler fails it
    ]
    expected = {
        _key(shop, "order", 10), _key(shop, "customer", 1), _key(shop, "order", 11),
        _key(shop, "order", 30), _key(shop, "customer", 3), _key(shop, "order", 40),
        _key(shop, "customer", 2),
    }  # fmt: skip

    with transaction.atomic():
        assert _held_advisory_keys() == set()
        deliveries_links_lock(deliveries=deliveries)
        taken = _held_advisory_keys()

    # The keys' 64 bits as pg_locks shows them (unsigned halves): compare modulo 2^64.
    assert {k % 2**64 for k in taken} == {k % 2**64 for k in expected}
