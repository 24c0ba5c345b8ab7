"""The locks a batch of webhook deliveries needs, taken before its first write, in one order.

A worker processes up to ``PROCESS_BATCH`` deliveries in one transaction, and everything their
handlers lock is held until it commits: the mirror's link locks (an advisory lock per customer
and per order, ``mirror.link_key_sql``), the order and customer rows, and ``loyalty``'s member
rows. Taken as each delivery runs, two batches can take them in opposite orders (A: the
``orders/paid`` of order 1, then the ``refunds/create`` of order 2; B: order 2's payment, then
order 1's refund) and deadlock; PostgreSQL then aborts one and its rows wait for a retry.

So ``deliveries_links_lock`` takes, at the start of the batch, the link lock of every order and
customer its deliveries concern, sorted by key: two batches that share any of them queue at the
start instead of crossing midway. The link locks stand for the rows: every writer in a batch
takes a row's link lock before writing it, and a member belongs to one customer, so holding a
customer's key covers its member too (``loyalty``'s handlers lock only the members of the
customers of the orders they reconcile).

What a delivery concerns, by topic: an order event its order and the order's customer (both in
the payload); a refund its order and, when the order is already mirrored, that order's customer
(looked up); a customer event its customer. A refund's order may be committed by another batch
while this one waits for the locks, bringing a customer the first lookup could not see; the
lookup is repeated under the locks and, if it found more, the locks are released (a savepoint)
and taken again, all of them, in order.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection, transaction

from shopify_app.models import Order, WebhookDelivery
from shopify_app.services.mirror import link_key_sql
from shopify_app.webhooks.payloads import InvalidPayload, refund_row, shopify_id

logger = logging.getLogger(__name__)

# How many times the locks are taken again because a refund's order appeared meanwhile; past
# that the batch goes on with what it holds (at worst a deadlock that PostgreSQL breaks).
MAX_RELOCKS = 3

_ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/paid", "orders/cancelled"})
_CUSTOMER_TOPICS = frozenset({"customers/create", "customers/update", "customers/delete"})

type Link = tuple[int, str, int]  # (shop id, "customer" | "order", Shopify id)

# The locks are taken as the outer query reads the sorted subquery: in key order. The key SQL
# interpolated is a fixed expression over the columns; every value is a bound array.
_KEY = link_key_sql(kind="w.kind", shop="w.shop_id", shopify_id="w.id")
_LOCK = (
    "SELECT pg_advisory_xact_lock(s.k) FROM ("  # noqa: S608
    f" SELECT DISTINCT {_KEY} AS k FROM unnest(%s::bigint[], %s::text[], %s::bigint[])"
    " AS w (shop_id, kind, id) ORDER BY k) s"
)


def _customer_id(payload: dict[str, Any]) -> int | None:
    customer = payload.get("customer")
    if not isinstance(customer, dict):
        return None
    try:
        return shopify_id(customer)
    except InvalidPayload:
        return None


def _links(delivery: WebhookDelivery) -> tuple[set[Link], set[tuple[int, int]]]:
    """(links the payload names, (shop, order) pairs of refunds whose customer is looked up)."""
    shop_id, topic = delivery.shop_id, delivery.topic
    try:
        payload = delivery.payload
        if topic in _ORDER_TOPICS:
            links = {(shop_id, "order", shopify_id(payload))}
            customer = _customer_id(payload)
            if customer is not None:
                links.add((shop_id, "customer", customer))
            return links, set()
        if topic == "refunds/create":
            order = refund_row(payload).order_shopify_id
            return {(shop_id, "order", order)}, {(shop_id, order)}
        if topic in _CUSTOMER_TOPICS:
            return {(shop_id, "customer", shopify_id(payload))}, set()
    except (InvalidPayload, ValueError, TypeError, KeyError):
        pass  # a bad payload writes nothing: its handler records the failure
    return set(), set()


def _refund_customers(refund_orders: set[tuple[int, int]]) -> set[Link]:
    """The customer links of the refunds' orders as mirrored now."""
    found: set[Link] = set()
    for shop_id in {s for s, _ in refund_orders}:
        orders = [o for s, o in refund_orders if s == shop_id]
        found |= {
            (shop_id, "customer", customer)
            for customer in Order.objects.filter(
                shop_id=shop_id, shopify_id__in=orders, customer_shopify_id__isnull=False
            ).values_list("customer_shopify_id", flat=True)
        }
    return found


def _lock(links: set[Link]) -> None:
    if not links:
        return
    ordered = sorted(links)
    with connection.cursor() as cursor:
        shops, kinds, ids = (list(column) for column in zip(*ordered, strict=True))
        cursor.execute(_LOCK, [shops, kinds, ids])


def deliveries_links_lock(*, deliveries: list[WebhookDelivery]) -> None:
    """Take the link locks of everything ``deliveries`` concern, in key order, until commit.

    Call inside the batch's transaction, before any handler runs. A no-op off PostgreSQL.
    """
    if connection.vendor != "postgresql" or not deliveries:
        return
    wanted: set[Link] = set()
    refund_orders: set[tuple[int, int]] = set()
    for delivery in deliveries:
        links, orders = _links(delivery)
        wanted |= links
        refund_orders |= orders
    if not refund_orders:  # nothing can appear meanwhile: one statement
        _lock(wanted)
        return
    wanted |= _refund_customers(refund_orders)
    for _ in range(MAX_RELOCKS):
        savepoint = transaction.savepoint_create()
        _lock(wanted)
        appeared = _refund_customers(refund_orders) - wanted
        if not appeared:
            transaction.savepoint_commit(savepoint)
            return
        # Release everything (a savepoint's advisory locks end with it) and retake the lot.
        transaction.savepoint_rollback(savepoint)
        wanted |= appeared
    logger.info("webhook batch: refunds' customers kept changing; going on with the locks held")
    _lock(wanted)
