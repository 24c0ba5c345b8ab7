"""Set-based upserts into the Customer, Order and Refund mirrors.

One code path for both writers: a webhook handler upserts one row, the bulk sync upserts
thousands per call. Each call is ``INSERT … ON CONFLICT (shop_id, shopify_id) DO UPDATE …
WHERE <incoming is newer>`` in chunks, so:

- duplicates are harmless (same data, same ``updated_at``);
- out-of-order deliveries are harmless: an older ``shopify_updated_at`` never overwrites a
  newer one (equal timestamps apply, so a replay of the newest state is a no-op rewrite);
- refunds are immutable in Shopify: a refund is inserted once and never updated;
- links between mirrors don't depend on arrival order: an order points at its customer if
  the customer is already mirrored, and a customer (or order) arriving later adopts the
  orders (or refunds) that were waiting for it. Nor on concurrency: under READ COMMITTED an
  order written while its customer's insert is still uncommitted (or the other way round)
  would see neither. So on PostgreSQL each side takes a transaction-level advisory lock per
  link as it writes a row (``_link_lock`` in the insert's ``RETURNING``: no extra round
  trip), and looks for the other side in its next statement, which starts after the lock was
  granted: whichever transaction commits first, the other then sees its row. Rows are
  written in id order, so one statement takes these locks in one order; a webhook batch, which
  runs several upserts (and the loyalty handlers) in one transaction, takes all the locks it
  will need before its first write (``shopify_app.webhooks.locks``). (SQLite runs one writer
  at a time.)

A redacted customer (``customers/redact``, ``mirror_erasure``) is frozen: no later upsert writes
its personal data back. Fields the source doesn't know (webhook payloads since 2025-01 carry no
``tags``, ``orders_count`` or ``total_spent``) are ``None`` on the row and keep the stored value.

The SQL is portable between PostgreSQL and SQLite (both support ``ON CONFLICT … DO UPDATE
… WHERE`` and ``INSERT … AS alias``).
"""

# S608: the SQL below interpolates only identifiers taken from the models (table and column
# names) and placeholder lists; every value is a bound parameter.
# ruff: noqa: S608
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from shopify_app.models import Customer, Order, Refund, Shop
from shopify_app.storefront_cache import storefront_state_changed

# Rows per statement: keeps every statement well under PostgreSQL's 65,535 bind parameters
# (orders bind 24 per row) while amortising the round trip.
CHUNK_SIZE = 500

_CUSTOMER = Customer._meta.db_table
_ORDER = Order._meta.db_table
_REFUND = Refund._meta.db_table


@dataclass(frozen=True, slots=True)
class CustomerRow:
    shopify_id: int
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    state: str = ""
    # None = the source doesn't say (webhook payloads); the stored value is kept.
    tags: list[str] | None = None
    amount_spent: Decimal | None = None
    number_of_orders: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OrderRow:
    shopify_id: int
    currency: str
    customer_shopify_id: int | None = None
    name: str = ""
    email: str | None = None
    financial_status: str = ""
    test: bool = False
    source_name: str = ""
    subtotal_price: Decimal = Decimal("0")
    total_price: Decimal = Decimal("0")
    total_discounts: Decimal = Decimal("0")
    total_shipping: Decimal = Decimal("0")
    total_tax: Decimal = Decimal("0")
    current_total_price: Decimal = Decimal("0")
    current_subtotal_price: Decimal = Decimal("0")
    # [{id, variant_id, product_id, quantity, price, total_discount, gift_card}], money as strings
    line_items: list[dict[str, Any]] = field(default_factory=list)
    discount_codes: list[str] = field(default_factory=list)
    note_attributes: dict[str, str] = field(default_factory=dict)
    processed_at: datetime | None = None
    cancelled_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RefundRow:
    shopify_id: int
    order_shopify_id: int
    # [{line_item_id, quantity, subtotal, total_tax, gift_card}], money as strings
    refund_line_items: list[dict[str, Any]] = field(default_factory=list)
    shipping_refunded: Decimal = Decimal("0")
    amount: Decimal = Decimal("0")
    processed_at: datetime | None = None
    created_at: datetime | None = None


def _chunks(rows: Sequence, size: int = CHUNK_SIZE) -> Iterable[Sequence]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _execute(sql: str, params: Sequence[Any]) -> int:
    # Datetimes go through the backend's own adaptation (SQLite stores them as UTC text, and
    # the newer-wins comparison must compare like with like, whatever offset Shopify sent).
    adapt = connection.ops.adapt_datetimefield_value
    params = [adapt(p) if isinstance(p, datetime) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _in_list(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def link_key_sql(*, kind: str, shop: str, shopify_id: str) -> str:
    """SQL for the advisory-lock key of a link: a ``kind`` ('customer' or 'order') row of a shop.

    The arguments are SQL expressions. One definition for the mirror's own locks and for the
    webhook batches that take them all up front (``shopify_app.webhooks.locks``)."""
    return f"hashtextextended('mirror-link:' || {kind} || ':' || {shop} || ':' || {shopify_id}, 0)"


def _link_lock(kind: str, column: str) -> str:
    """SQL taking, until commit, the link lock of the ``kind`` row whose id is in ``column``
    (nothing when it is NULL): for ``RETURNING``, so it is taken as each row is written."""
    key = link_key_sql(kind=f"'{kind}'", shop="shop_id", shopify_id=column)
    return f"pg_advisory_xact_lock({key})"


# --- customers -------------------------------------------------------------------------------

_CUSTOMER_OPTIONAL = ("tags", "amount_spent", "number_of_orders")


@transaction.atomic
def customers_upsert(*, shop: Shop, rows: Sequence[CustomerRow]) -> int:
    """Insert or update customers of ``shop``; returns how many rows were written.

    Writes Customer rows (newer ``updated_at`` wins; redacted customers are left alone) and
    links this shop's orders that were waiting for these customers. Idempotent: the same rows
    again rewrite the same values. Rows are grouped by which optional fields they know, so a
    webhook row never blanks the tags a bulk sync stored.
    """
    written = 0
    groups: dict[tuple[bool, ...], list[CustomerRow]] = {}
    for row in rows:
        known = tuple(getattr(row, name) is not None for name in _CUSTOMER_OPTIONAL)
        groups.setdefault(known, []).append(row)
    for known, group in groups.items():
        optional = [
            name for name, is_known in zip(_CUSTOMER_OPTIONAL, known, strict=True) if is_known
        ]
        for chunk in _chunks(sorted(group, key=lambda r: r.shopify_id)):
            written += _customers_upsert_chunk(shop=shop, rows=chunk, optional=optional)
            _orders_link_customers(shop=shop, customer_ids=[r.shopify_id for r in chunk])
    _state_changed(shop=shop, shopify_ids=[r.shopify_id for r in rows])
    return written


def _state_changed(*, shop: Shop, shopify_ids: Sequence[int]) -> None:
    # GET state shows the customer's name and whether they are mirrored; past a few hundred
    # (a sync page), one shop-wide bump is cheaper than one per customer.
    if len(shopify_ids) > 500:
        storefront_state_changed(shop_id=shop.pk)
    else:
        storefront_state_changed(shop_id=shop.pk, shopify_customer_ids=shopify_ids)


def _customers_upsert_chunk(*, shop: Shop, rows: Sequence[CustomerRow], optional: list[str]) -> int:
    now = timezone.now()
    columns = [
        "shop_id", "shopify_id", "email", "first_name", "last_name", "phone", "state", "tags",
        "amount_spent", "number_of_orders", "shopify_created_at", "shopify_updated_at",
        "created_at", "updated_at",
    ]  # fmt: skip
    params: list[Any] = []
    for r in rows:
        params += [
            shop.pk, r.shopify_id, r.email, r.first_name, r.last_name, r.phone, r.state,
            json.dumps(r.tags or []), r.amount_spent, r.number_of_orders, r.created_at,
            r.updated_at, now, now,
        ]  # fmt: skip
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updated = [
        "email", "first_name", "last_name", "phone", "state", "shopify_created_at",
        "shopify_updated_at", "updated_at", *optional,
    ]  # fmt: skip
    sql = (
        f"INSERT INTO {_CUSTOMER} AS t ({', '.join(columns)}) "
        f"VALUES {', '.join([placeholders] * len(rows))} "
        "ON CONFLICT (shop_id, shopify_id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in updated)
        + " WHERE t.redacted_at IS NULL AND (t.shopify_updated_at IS NULL"
        " OR excluded.shopify_updated_at >= t.shopify_updated_at)"
    )
    if _postgres():
        sql += f" RETURNING {_link_lock('customer', 'shopify_id')}"
    return _execute(sql, params)


def _orders_link_customers(*, shop: Shop, customer_ids: Sequence[int]) -> None:
    """Point orders that arrived before their customer at the now-mirrored customer."""
    _execute(
        f"UPDATE {_ORDER} SET customer_id = (SELECT c.id FROM {_CUSTOMER} c"
        f" WHERE c.shop_id = {_ORDER}.shop_id AND c.shopify_id = {_ORDER}.customer_shopify_id)"
        f" WHERE shop_id = %s AND customer_id IS NULL"
        f" AND customer_shopify_id IN ({_in_list(customer_ids)})",
        [shop.pk, *customer_ids],
    )


# --- orders ----------------------------------------------------------------------------------


@transaction.atomic
def orders_upsert(*, shop: Shop, rows: Sequence[OrderRow]) -> int:
    """Insert or update orders of ``shop``; returns how many rows were written.

    Writes Order rows (newer ``updated_at`` wins), each linked to its customer when that is
    mirrored, and links refunds that arrived before their order. Idempotent.
    """
    written = 0
    # By customer, then id: the link locks of a chunk are taken in one global order.
    ordered = sorted(rows, key=lambda r: (r.customer_shopify_id or 0, r.shopify_id))
    for chunk in _chunks(ordered):
        written += _orders_upsert_chunk(shop=shop, rows=chunk)
        _refunds_link_orders(shop=shop, order_ids=[r.shopify_id for r in chunk])
    return written


_ORDER_COLUMNS = [
    "shop_id", "shopify_id", "customer_shopify_id", "name", "email", "currency",
    "financial_status", "test", "source_name", "subtotal_price", "total_price",
    "total_discounts", "total_shipping", "total_tax", "current_total_price",
    "current_subtotal_price", "line_items", "discount_codes", "note_attributes", "processed_at",
    "cancelled_at", "shopify_created_at", "shopify_updated_at", "created_at", "updated_at",
]  # fmt: skip


def _orders_upsert_chunk(*, shop: Shop, rows: Sequence[OrderRow]) -> int:
    now = timezone.now()
    params: list[Any] = []
    for r in rows:
        params += [
            shop.pk, r.shopify_id, r.customer_shopify_id, r.name, r.email, r.currency,
            r.financial_status, r.test, r.source_name, r.subtotal_price, r.total_price,
            r.total_discounts, r.total_shipping, r.total_tax, r.current_total_price,
            r.current_subtotal_price, json.dumps(r.line_items), json.dumps(r.discount_codes),
            json.dumps(r.note_attributes), r.processed_at, r.cancelled_at, r.created_at,
            r.updated_at, now, now, shop.pk, r.customer_shopify_id,
        ]  # fmt: skip
    # The customer link is a scalar subquery per row: NULL until the customer is mirrored.
    placeholders = (
        "("
        + ", ".join(["%s"] * len(_ORDER_COLUMNS))
        + f", (SELECT c.id FROM {_CUSTOMER} c WHERE c.shop_id = %s AND c.shopify_id = %s))"
    )
    updated = [c for c in _ORDER_COLUMNS if c not in ("shop_id", "shopify_id", "created_at")]
    sql = (
        f"INSERT INTO {_ORDER} AS t ({', '.join(_ORDER_COLUMNS)}, customer_id) "
        f"VALUES {', '.join([placeholders] * len(rows))} "
        "ON CONFLICT (shop_id, shopify_id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in [*updated, "customer_id"])
        + " WHERE t.shopify_updated_at IS NULL"
        " OR excluded.shopify_updated_at >= t.shopify_updated_at"
    )
    if _postgres():
        sql += (
            f" RETURNING {_link_lock('customer', 'customer_shopify_id')},"
            f" {_link_lock('order', 'shopify_id')}"
        )
    return _execute(sql, params)


def _refunds_link_orders(*, shop: Shop, order_ids: Sequence[int]) -> None:
    """Point refunds that arrived before their order at the now-mirrored order; on PostgreSQL
    also link these orders to a customer committed while their insert waited for its lock."""
    if _postgres():
        _execute(
            f"WITH relinked AS (UPDATE {_ORDER} o SET customer_id = c.id FROM {_CUSTOMER} c"
            f" WHERE o.shop_id = %s AND o.customer_id IS NULL"
            f" AND o.shopify_id IN ({_in_list(order_ids)})"
            " AND c.shop_id = o.shop_id AND c.shopify_id = o.customer_shopify_id RETURNING 1)"
            f" UPDATE {_REFUND} r SET order_id = o.id FROM {_ORDER} o"
            " WHERE r.shop_id = %s AND r.order_id IS NULL"
            f" AND r.order_shopify_id IN ({_in_list(order_ids)})"
            " AND o.shop_id = r.shop_id AND o.shopify_id = r.order_shopify_id",
            [shop.pk, *order_ids, shop.pk, *order_ids],
        )
        return
    _execute(
        f"UPDATE {_REFUND} SET order_id = (SELECT o.id FROM {_ORDER} o"
        f" WHERE o.shop_id = {_REFUND}.shop_id AND o.shopify_id = {_REFUND}.order_shopify_id)"
        f" WHERE shop_id = %s AND order_id IS NULL"
        f" AND order_shopify_id IN ({_in_list(order_ids)})",
        [shop.pk, *order_ids],
    )


# --- refunds ---------------------------------------------------------------------------------


@transaction.atomic
def refunds_upsert(*, shop: Shop, rows: Sequence[RefundRow]) -> int:
    """Insert refunds of ``shop`` not yet mirrored; returns how many were new.

    Refunds never change in Shopify, so an existing row is left as is (``DO NOTHING``): a
    duplicate delivery writes nothing. Each refund is linked to its order when mirrored.
    """
    written = 0
    columns = [
        "shop_id", "shopify_id", "order_shopify_id", "refund_line_items", "shipping_refunded",
        "amount", "processed_at", "shopify_created_at", "created_at",
    ]  # fmt: skip
    placeholders = (
        "("
        + ", ".join(["%s"] * len(columns))
        + f", (SELECT o.id FROM {_ORDER} o WHERE o.shop_id = %s AND o.shopify_id = %s))"
    )
    ordered = sorted(rows, key=lambda r: (r.order_shopify_id, r.shopify_id))
    for chunk in _chunks(ordered):
        now = timezone.now()
        params: list[Any] = []
        for r in chunk:
            params += [
                shop.pk, r.shopify_id, r.order_shopify_id, json.dumps(r.refund_line_items),
                r.shipping_refunded, r.amount, r.processed_at, r.created_at, now,
                shop.pk, r.order_shopify_id,
            ]  # fmt: skip
        sql = (
            f"INSERT INTO {_REFUND} ({', '.join(columns)}, order_id) "
            f"VALUES {', '.join([placeholders] * len(chunk))} "
            "ON CONFLICT (shop_id, shopify_id) DO NOTHING"
        )
        if not _postgres():
            written += _execute(sql, params)
            continue
        written += _execute(f"{sql} RETURNING {_link_lock('order', 'order_shopify_id')}", params)
        # The order may have been committed while this insert waited for its link lock.
        ids = [r.shopify_id for r in chunk]
        _execute(
            f"UPDATE {_REFUND} r SET order_id = o.id FROM {_ORDER} o"
            f" WHERE r.shop_id = %s AND r.order_id IS NULL AND r.shopify_id IN ({_in_list(ids)})"
            " AND o.shop_id = r.shop_id AND o.shopify_id = r.order_shopify_id",
            [shop.pk, *ids],
        )
    return written
