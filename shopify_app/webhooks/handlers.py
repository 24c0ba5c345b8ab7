"""``shopify_app``'s own webhook handlers: the mirrors, the shop lifecycle and compliance.

``HANDLERS`` maps each topic to its handlers; ``ShopifyAppConfig.ready()`` registers them
before any other app's, so ``loyalty``/``referrals`` handlers see the mirrors up to date.
``bulk_operations/finish`` is handled by the sync package, which registers its own handler;
``app_subscriptions/update`` by billing.

Each handler parses only what it uses (``payloads``) and calls one service; all of them are
idempotent, because a delivery can be retried or replayed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shopify_app import privacy
from shopify_app.models import Shop, WebhookDelivery
from shopify_app.services import mirror, mirror_erasure, shops
from shopify_app.webhooks import payloads


def customer_upsert(*, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery) -> None:
    """customers/create, customers/update."""
    mirror.customers_upsert(shop=shop, rows=[payloads.customer_row(payload)])


def customer_delete(*, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery) -> None:
    """customers/delete: the customer is marked deleted (the payload carries only its id)."""
    mirror_erasure.customer_delete(
        shop=shop, shopify_id=payloads.shopify_id(payload), deleted_at=delivery.triggered_at
    )


def order_upsert(*, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery) -> None:
    """orders/create|updated|paid|cancelled: the order and, if new to us, its customer.

    The embedded customer is upserted first so the order links to it. It carries no reliable
    ``updated_at``, so it only fills a customer we don't have yet and never overwrites one.
    """
    customer = payloads.order_customer_row(payload)
    if customer is not None:
        mirror.customers_upsert(shop=shop, rows=[customer])
    mirror.orders_upsert(shop=shop, rows=[payloads.order_row(payload)])


def orders_upsert_batch(*, shop: Shop, deliveries: list[WebhookDelivery]) -> None:
    """The set-based ``order_upsert``: one customers upsert and one orders upsert for a batch.

    One statement cannot upsert a key twice, so each customer and order is kept once, in its
    newest state (latest ``updated_at``; on a tie, or without one, the later delivery): the
    state that upserting the deliveries one by one would leave.
    """
    customers: dict[int, mirror.CustomerRow] = {}
    orders: dict[int, mirror.OrderRow] = {}
    for delivery in deliveries:
        customer = payloads.order_customer_row(delivery.payload)
        if customer is not None:
            _keep_newest(customers, customer)
        _keep_newest(orders, payloads.order_row(delivery.payload))
    # In id order: the upserts lock the rows they write, and two workers' batches holding the
    # same customers must take those locks in one order.
    if customers:
        mirror.customers_upsert(shop=shop, rows=[customers[i] for i in sorted(customers)])
    mirror.orders_upsert(shop=shop, rows=[orders[i] for i in sorted(orders)])


def _keep_newest(rows: dict[int, Any], row: Any) -> None:
    # The mirror's rule: an incoming row applies over a stored one when its updated_at is >=
    # the stored one's, or when the stored one has none.
    kept = rows.get(row.shopify_id)
    applies = (
        kept is None
        or kept.updated_at is None
        or (row.updated_at is not None and row.updated_at >= kept.updated_at)
    )
    if applies:
        rows[row.shopify_id] = row


def refund_create(*, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery) -> None:
    """refunds/create."""
    mirror.refunds_upsert(shop=shop, rows=[payloads.refund_row(payload)])


def app_uninstalled(*, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery) -> None:
    """app/uninstalled: the token is already revoked; drop it and mark the shop uninstalled.

    The trigger time lets a late delivery from before a reinstall be recognised and ignored.
    """
    shops.shop_uninstall(shop=shop, uninstalled_at=delivery.triggered_at)


def app_scopes_update(*, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery) -> None:
    """app/scopes_update: record the granted scopes (the token is re-exchanged on next load)."""
    current = payload.get("current")
    if not isinstance(current, list):
        raise payloads.InvalidPayload("app/scopes_update payload has no current scopes")
    shops.shop_scopes_update(shop=shop, scopes=[str(s) for s in current])


def customers_data_request(
    *, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery
) -> None:
    """customers/data_request: export what every app holds on the customer, for the owner."""
    request = payloads.customer_privacy_request(payload)
    privacy.customer_data_export(
        shop=shop,
        customer_shopify_id=request.customer_shopify_id,
        email=request.email,
        order_shopify_ids=request.order_shopify_ids,
        data_request_id=request.data_request_id,
    )


def customers_redact(*, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery) -> None:
    """customers/redact: erase the customer's personal data in every app."""
    request = payloads.customer_privacy_request(payload)
    privacy.customer_redact(
        shop=shop,
        customer_shopify_id=request.customer_shopify_id,
        email=request.email,
        order_shopify_ids=request.order_shopify_ids,
    )


def shop_redact(*, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery) -> None:
    """shop/redact: delete every row of the shop (this delivery's row included).

    Unless the shop is installed now or the request predates the current installation (a
    late delivery from an earlier uninstall): then nothing is deleted and the delivery is
    done, logged by the service, so Shopify is answered 200 and stops retrying.
    """
    shops.shop_redact(shop=shop, triggered_at=delivery.triggered_at)


HANDLERS: dict[str, list[Callable[..., None]]] = {
    "customers/create": [customer_upsert],
    "customers/update": [customer_upsert],
    "customers/delete": [customer_delete],
    "orders/create": [order_upsert],
    "orders/updated": [order_upsert],
    "orders/paid": [order_upsert],
    "orders/cancelled": [order_upsert],
    "refunds/create": [refund_create],
    "app/uninstalled": [app_uninstalled],
    "app/scopes_update": [app_scopes_update],
    "customers/data_request": [customers_data_request],
    "customers/redact": [customers_redact],
    "shop/redact": [shop_redact],
}

# Set-based forms of some handlers above (see the registry), for the high-volume topics.
BATCH_HANDLERS: dict[Callable[..., None], Callable[..., None]] = {
    order_upsert: orders_upsert_batch,
}
