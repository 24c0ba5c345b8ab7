"""Set-based loading of bulk rows into the mirrors: ``COPY`` into a staging table, then one
``INSERT … SELECT … ON CONFLICT`` per table.

Why not ``shopify_app.services.mirror``'s upserts: they bind every value as a parameter of a
multi-row ``VALUES`` list, which is right for a webhook's one row but costs seconds per
thousand rows at bulk sizes (query text and parameter handling dominate). ``COPY`` streams the
rows in PostgreSQL's text format instead. The conflict rules are the mirror's, restated here
and held equal by ``tests/shopify_app/sync/test_load.py``, which runs both paths on the same
cases:

- customers and orders: the incoming row wins when its ``shopify_updated_at`` is newer or
  equal; a redacted customer is never rewritten;
- refunds never change in Shopify: an existing one is left alone;
- links between mirrors don't depend on arrival order (an order adopts its customer if
  mirrored, and customers/orders arriving later adopt what waited for them).

The staging tables are temporary (per connection) and emptied at the start of each load, so
every load runs in the caller's transaction and sees only its own rows. Rows may come with their
COPY text already made (``prepare``, on the importer's reader thread); then a load only sends
bytes. ``DISTINCT ON`` (a sort) runs only for a batch that repeats an id. A staged row finds its
mirror row (an order's customer, a refund's order) by a subquery on the ``(shop_id,
shopify_id)`` unique index rather than by a join whose plan depends on the mirrors' statistics;
those statistics must know the shop all the same (``mirrors_analyze``), or the planner takes the
``shop_id`` index and scans every row of the shop per lookup.

``COPY``, ``TRUNCATE``, ``DISTINCT ON`` and ``jsonb`` are PostgreSQL's. On any other database
(``make dev`` without configuration runs on SQLite) the same calls go through the mirror's
portable upserts instead: slower, but the same rules by construction, and dev shops are small.
"""

# S608: the SQL below interpolates only identifiers from the models and this module (table and
# column names), never data; every value is a bound parameter or travels through COPY.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Model

from shopify_app.models import Customer, Order, Refund, Shop
from shopify_app.storefront_cache import storefront_state_changed
from shopify_app.sync import portable
from shopify_app.sync.rows import (
    CUSTOMER_COLUMNS,
    LATE_LINE_ITEM_COLUMNS,
    ORDER_COLUMNS,
    REFUND_COLUMNS,
)

_CUSTOMER = Customer._meta.db_table
_ORDER = Order._meta.db_table
_REFUND = Refund._meta.db_table

_STAGES = {
    "sync_stage_customer": (
        CUSTOMER_COLUMNS,
        "shopify_id bigint, email text, first_name text, last_name text, phone text,"
        " state text, tags jsonb, amount_spent numeric, number_of_orders bigint,"
        " shopify_created_at timestamptz, shopify_updated_at timestamptz",
    ),
    "sync_stage_order": (
        ORDER_COLUMNS,
        "shopify_id bigint, customer_shopify_id bigint, name text, email text, currency text,"
        " financial_status text, test boolean, source_name text, subtotal_price numeric,"
        " total_price numeric, total_discounts numeric, total_shipping numeric,"
        " total_tax numeric, current_total_price numeric, current_subtotal_price numeric,"
        " discount_codes jsonb, note_attributes jsonb, processed_at timestamptz,"
        " cancelled_at timestamptz, shopify_created_at timestamptz,"
        " shopify_updated_at timestamptz, line_items jsonb",
    ),
    "sync_stage_refund": (
        REFUND_COLUMNS,
        "shopify_id bigint, order_shopify_id bigint, amount numeric, processed_at timestamptz,"
        " shopify_created_at timestamptz",
    ),
    "sync_stage_line_item": (LATE_LINE_ITEM_COLUMNS, "order_shopify_id bigint, line_item jsonb"),
}


class Prepared(list[tuple]):
    """Rows together with their COPY text, made in advance by ``prepare``."""

    copy_text: bytes


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    text = str(value)
    # Most values need no escaping; four substring scans are cheaper than translate().
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_COPY_ESCAPES)
    return text


def prepare(rows: Iterable[tuple]) -> Prepared:
    """``rows`` (of None, bools, ints and strings) with their text-format COPY data.

    The importer prepares each batch on its reader thread, so that the thread writing to
    PostgreSQL only sends bytes: formatting there (psycopg's ``write_row``) held up the
    database while that thread waited for the GIL. A plain sequence of tuples loads the same.
    """
    prepared = Prepared(rows)
    prepared.copy_text = "".join(
        ["\t".join([_copy_value(value) for value in row]) + "\n" for row in prepared]
    ).encode()
    return prepared


def _stage(cursor, table: str, rows: Sequence[tuple], *, analyze: str = "") -> None:
    """Empty the connection's staging ``table`` (creating it if needed) and COPY ``rows`` in.

    ``analyze`` names the column the next statement joins the mirror on: a fresh temporary
    table has no statistics, and without them the planner may join it to a large mirror by
    sequential scan instead of the ``(shop_id, …)`` index.
    """
    columns, definition = _STAGES[table]
    # One round trip for both: the importer's reader thread holds the GIL most of the time, and
    # every statement's answer waits for it.
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({definition}); TRUNCATE {table}")
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        if isinstance(rows, Prepared):
            copy.write(rows.copy_text)
        else:
            for row in rows:
                copy.write_row(row)
    if analyze:
        cursor.execute(f"ANALYZE {table} ({analyze})")


def _source(table: str, columns: Sequence[str], rows: Sequence[tuple]) -> str:
    """The staged rows to upsert from, one per ``shopify_id`` (ON CONFLICT may touch a row once).

    A bulk file holds each record once, so the staging table usually is that already; only a
    batch that repeats an id pays for ``DISTINCT ON``'s sort, keeping the newest row.
    """
    if len({row[0] for row in rows}) == len(rows):
        return table
    newest = " ORDER BY shopify_id, shopify_updated_at DESC NULLS LAST"
    return (
        f"(SELECT DISTINCT ON (shopify_id) {', '.join(columns)} FROM {table}"
        + (newest if "shopify_updated_at" in columns else "")  # refunds never change
        + ")"
    )


# A mirror row's id by its Shopify id, as a subquery per staged row rather than a join: it is
# always one probe of the ``(shop_id, shopify_id)`` unique index. A join is planned from the
# mirror's statistics, which lag behind an import that is filling the mirror; with a shop the
# statistics had not seen, the planner once picked a nested loop over all the shop's customers
# for every order (seconds per batch).
def _id_of(table: str, shopify_id: str) -> str:
    return f"(SELECT m.id FROM {table} m WHERE m.shop_id = %s AND m.shopify_id = {shopify_id})"


def customers_load(*, shop: Shop, rows: Sequence[tuple], now: datetime) -> int:
    """Upsert staged customer tuples (``rows.customer_tuple``); returns rows written.

    Same rules as ``mirror.customers_upsert``: newer-or-equal ``updated_at`` wins, redacted
    customers are left alone, and orders waiting for these customers are linked. Idempotent.
    """
    if not rows:
        return 0
    if not portable.copy_capable():
        return portable.customers_load(shop=shop, rows=rows)
    columns = CUSTOMER_COLUMNS
    updated = [c for c in columns if c != "shopify_id"]
    with connection.cursor() as cursor:
        _stage(cursor, "sync_stage_customer", rows, analyze="shopify_id")
        cursor.execute(
            f"INSERT INTO {_CUSTOMER} AS t (shop_id, {', '.join(columns)}, created_at, updated_at)"
            f" SELECT %s, {', '.join(columns)}, %s, %s"
            f" FROM {_source('sync_stage_customer', columns, rows)} s"
            " ON CONFLICT (shop_id, shopify_id) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in [*updated, "updated_at"])
            + " WHERE t.redacted_at IS NULL AND (t.shopify_updated_at IS NULL"
            " OR excluded.shopify_updated_at >= t.shopify_updated_at)",
            [shop.pk, now, now],
        )
        written = max(cursor.rowcount, 0)
        storefront_state_changed(shop_id=shop.pk)  # a sync page: every shopper of the shop
        cursor.execute(
            f"UPDATE {_ORDER} o SET customer_id = {_id_of(_CUSTOMER, 'o.customer_shopify_id')}"
            " FROM sync_stage_customer s"
            " WHERE o.shop_id = %s AND o.customer_id IS NULL"
            " AND o.customer_shopify_id = s.shopify_id",
            [shop.pk, shop.pk],
        )
    return written


def orders_load(
    *,
    shop: Shop,
    rows: Sequence[tuple],
    refunds: Sequence[tuple] = (),
    late_line_items: Sequence[tuple] = (),
    now: datetime,
) -> int:
    """Upsert staged orders, their refunds and line items whose order was already written.

    Orders follow ``mirror.orders_upsert`` (newer-or-equal ``updated_at`` wins; linked to their
    customer if mirrored; waiting refunds adopt them). Refunds follow ``mirror.refunds_upsert``
    (inserted once). ``late_line_items`` are merged into their order's ``line_items`` by line
    item id, keeping items already there, so replaying them is a no-op. Returns orders written.
    """
    if not portable.copy_capable():
        return portable.orders_load(
            shop=shop, rows=rows, refunds=refunds, late_line_items=late_line_items, now=now
        )
    written = 0
    with connection.cursor() as cursor:
        if rows:
            # Not analyzed (ANALYZE sorts a sample, ~3% of a batch's time): the one join to
            # it, with the refunds waiting for these orders, is planned well from its size.
            _stage(cursor, "sync_stage_order", rows)
            columns = ORDER_COLUMNS
            updated = [c for c in columns if c != "shopify_id"]
            cursor.execute(
                f"INSERT INTO {_ORDER} AS t (shop_id, {', '.join(columns)}, customer_id,"
                " created_at, updated_at)"
                f" SELECT %s, {', '.join('s.' + c for c in columns)},"
                f"  {_id_of(_CUSTOMER, 's.customer_shopify_id')}, %s, %s"
                f" FROM {_source('sync_stage_order', columns, rows)} s"
                " ON CONFLICT (shop_id, shopify_id) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in [*updated, "customer_id", "updated_at"])
                + " WHERE t.shopify_updated_at IS NULL"
                " OR excluded.shopify_updated_at >= t.shopify_updated_at",
                [shop.pk, shop.pk, now, now],
            )
            written = max(cursor.rowcount, 0)
            cursor.execute(
                f"UPDATE {_REFUND} r SET order_id = {_id_of(_ORDER, 'r.order_shopify_id')}"
                " FROM sync_stage_order s"
                " WHERE r.shop_id = %s AND r.order_id IS NULL"
                " AND r.order_shopify_id = s.shopify_id",
                [shop.pk, shop.pk],
            )
        if refunds:
            _stage(cursor, "sync_stage_refund", refunds)
            cursor.execute(
                f"INSERT INTO {_REFUND} (shop_id, shopify_id, order_shopify_id,"
                " refund_line_items, shipping_refunded, amount, processed_at,"
                " shopify_created_at, created_at, order_id)"
                " SELECT %s, s.shopify_id, s.order_shopify_id, '[]'::jsonb, 0, s.amount,"
                f"  s.processed_at, s.shopify_created_at, %s,"
                f"  {_id_of(_ORDER, 's.order_shopify_id')}"
                f" FROM {_source('sync_stage_refund', REFUND_COLUMNS, refunds)} s"
                " ON CONFLICT (shop_id, shopify_id) DO NOTHING",
                [shop.pk, now, shop.pk],
            )
        if late_line_items:
            _stage(cursor, "sync_stage_line_item", late_line_items, analyze="order_shopify_id")
            # The waiting items new to their order, by order; then appended to it.
            cursor.execute(
                f"UPDATE {_ORDER} o SET line_items = o.line_items || l.items, updated_at = %s"
                " FROM (SELECT s.order_shopify_id, jsonb_agg(s.line_item) AS items"
                "  FROM (SELECT DISTINCT ON (order_shopify_id, line_item -> 'id') *"
                "   FROM sync_stage_line_item) s"
                "  WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(("
                f"    SELECT m.line_items FROM {_ORDER} m"
                "     WHERE m.shop_id = %s AND m.shopify_id = s.order_shopify_id)) e"
                "   WHERE e -> 'id' = s.line_item -> 'id')"
                "  GROUP BY s.order_shopify_id) l"
                " WHERE o.shop_id = %s AND o.shopify_id = l.order_shopify_id",
                [now, shop.pk, shop.pk],
            )
    return written


def orders_link_customers(*, shop: Shop) -> int:
    """Link every order of ``shop`` still waiting for a customer that is now mirrored.

    Run when an import finishes: customers and orders import concurrently, and under READ
    COMMITTED an order batch and the customer batch it needs can each miss the other's
    uncommitted rows. Idempotent; returns orders linked.
    """
    if not portable.copy_capable():
        return portable.orders_link_customers(shop=shop)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_ORDER} o SET customer_id = c.id FROM {_CUSTOMER} c"
            " WHERE o.shop_id = %s AND o.customer_id IS NULL AND o.customer_shopify_id IS NOT NULL"
            " AND c.shop_id = o.shop_id AND c.shopify_id = o.customer_shopify_id",
            [shop.pk],
        )
        return max(cursor.rowcount, 0)


def mirrors_analyze(*, models: Sequence[type[Model]]) -> None:
    """Refresh the planner's statistics of ``models``' tables (PostgreSQL only).

    For the importer, once its run has written a first batch: statistics gathered before a shop
    had rows say it has none, and the planner then finds a mirror row by ``(shop_id,
    shopify_id)`` through the ``shop_id`` index alone, scanning every row of the shop per lookup
    (the import ran a hundred times slower so). PostgreSQL's docs advise ANALYZE after a bulk
    load; autovacuum would get there, but only later.
    """
    if not portable.copy_capable():
        return
    with connection.cursor() as cursor:
        for model in models:
            # Every column: analyzing shop_id alone left the others without statistics in a
            # new database, and the refunds' statements then ran 25 times slower (an order cost
            # 63 instead of 38 µs of PostgreSQL's CPU).
            cursor.execute(f"ANALYZE {model._meta.db_table}")
