"""The bulk loads on a database without ``COPY`` (``make dev`` on SQLite): the same calls as
``load`` through the mirror's portable upserts, so the same conflict rules by construction.
Slower, but dev shops are small; ``tests/shopify_app/sync/test_sqlite_dev_flow.py`` runs them
on SQLite."""

# S608: only identifiers from the models are interpolated; values are bound parameters.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection

from shopify_app.models import Customer, Order, Shop
from shopify_app.services import mirror
from shopify_app.sync.rows import CUSTOMER_COLUMNS, ORDER_COLUMNS, REFUND_COLUMNS

_CUSTOMER = Customer._meta.db_table
_ORDER = Order._meta.db_table


def copy_capable() -> bool:
    return connection.vendor == "postgresql"


def customers_load(*, shop: Shop, rows: Sequence[tuple]) -> int:
    return mirror.customers_upsert(
        shop=shop, rows=[_customer_row(r) for r in _newest_per_id(rows, CUSTOMER_COLUMNS)]
    )


def _newest_per_id(rows: Sequence[tuple], columns: Sequence[str]) -> list[tuple]:
    """One tuple per ``shopify_id`` (first column), the newest by ``shopify_updated_at``."""
    updated = columns.index("shopify_updated_at")
    newest: dict[Any, tuple] = {}
    for row in rows:
        kept = newest.get(row[0])
        if kept is None or (row[updated] or "") >= (kept[updated] or ""):
            newest[row[0]] = row
    return list(newest.values())


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _customer_row(row: tuple) -> mirror.CustomerRow:
    c = dict(zip(CUSTOMER_COLUMNS, row, strict=True))
    return mirror.CustomerRow(
        shopify_id=c["shopify_id"],
        email=c["email"],
        first_name=c["first_name"],
        last_name=c["last_name"],
        phone=c["phone"],
        state=c["state"],
        tags=orjson.loads(c["tags"]),
        amount_spent=None if c["amount_spent"] is None else Decimal(c["amount_spent"]),
        number_of_orders=c["number_of_orders"],
        created_at=_time(c["shopify_created_at"]),
        updated_at=_time(c["shopify_updated_at"]),
    )


_ORDER_MONEY = (
    "subtotal_price", "total_price", "total_discounts", "total_shipping", "total_tax",
    "current_total_price", "current_subtotal_price",
)  # fmt: skip


def _order_row(row: tuple) -> mirror.OrderRow:
    o = dict(zip(ORDER_COLUMNS, row, strict=True))
    return mirror.OrderRow(
        shopify_id=o["shopify_id"],
        currency=o["currency"],
        customer_shopify_id=o["customer_shopify_id"],
        name=o["name"],
        email=o["email"],
        financial_status=o["financial_status"],
        test=o["test"],
        source_name=o["source_name"],
        **{name: Decimal(o[name]) for name in _ORDER_MONEY},
        line_items=orjson.loads(o["line_items"]),
        discount_codes=orjson.loads(o["discount_codes"]),
        note_attributes=orjson.loads(o["note_attributes"]),
        processed_at=_time(o["processed_at"]),
        cancelled_at=_time(o["cancelled_at"]),
        created_at=_time(o["shopify_created_at"]),
        updated_at=_time(o["shopify_updated_at"]),
    )


def _refund_row(row: tuple) -> mirror.RefundRow:
    r = dict(zip(REFUND_COLUMNS, row, strict=True))
    return mirror.RefundRow(
        shopify_id=r["shopify_id"],
        order_shopify_id=r["order_shopify_id"],
        amount=Decimal(r["amount"]),
        processed_at=_time(r["processed_at"]),
        created_at=_time(r["shopify_created_at"]),
    )


def orders_load(
    *,
    shop: Shop,
    rows: Sequence[tuple],
    refunds: Sequence[tuple],
    late_line_items: Sequence[tuple],
    now: datetime,
) -> int:
    written = 0
    if rows:
        written = mirror.orders_upsert(
            shop=shop, rows=[_order_row(r) for r in _newest_per_id(rows, ORDER_COLUMNS)]
        )
    if refunds:
        mirror.refunds_upsert(shop=shop, rows=[_refund_row(r) for r in refunds])
    if late_line_items:
        waiting: dict[int, list[dict[str, Any]]] = {}
        for order_id, item in late_line_items:
            waiting.setdefault(order_id, []).append(orjson.loads(item))
        orders = Order.objects.select_for_update().filter(shop=shop, shopify_id__in=waiting)
        for order in orders.only("pk", "shopify_id", "line_items"):
            known = {item.get("id") for item in order.line_items}
            new = []
            for item in waiting[order.shopify_id]:
                if item["id"] not in known:
                    known.add(item["id"])
                    new.append(item)
            if new:
                Order.objects.filter(pk=order.pk).update(
                    line_items=[*order.line_items, *new], updated_at=now
                )
    return written


def orders_link_customers(*, shop: Shop) -> int:
    mirrored = (
        f"FROM {_CUSTOMER} c WHERE c.shop_id = {_ORDER}.shop_id"
        f" AND c.shopify_id = {_ORDER}.customer_shopify_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_ORDER} SET customer_id = (SELECT c.id {mirrored})"
            " WHERE shop_id = %s AND customer_id IS NULL AND customer_shopify_id IS NOT NULL"
            f" AND EXISTS (SELECT 1 {mirrored})",
            [shop.pk],
        )
        return max(cursor.rowcount, 0)
