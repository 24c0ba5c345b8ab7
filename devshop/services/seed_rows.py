"""``devshop_seed``'s bulk writers: generated customers and order history into devshop's
tables, with PostgreSQL ``COPY`` (``bulk_create`` in large batches on SQLite), so 100k
customers with 1M orders take minutes. No webhooks: this is history from before the install.
"""

from __future__ import annotations

from django.db import connection

from devshop import clock
from devshop.models import DevCustomer, DevLineItem, DevOrder, DevRefund, DevRefundLineItem

GIFT_CARD = "Gift Card"  # its lines are gift cards (isGiftCard)
BATCH = 50_000


def _copy(table: str, columns: list[str], rows: list[tuple]) -> None:
    """COPY ``rows`` into ``table`` (PostgreSQL only; the callers fall back elsewhere)."""
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def customers_write(rows: list[tuple]) -> None:
    now = clock.now()
    if connection.vendor == "postgresql":
        _copy(
            DevCustomer._meta.db_table,
            [
                "id",
                "shop_id",
                "first_name",
                "last_name",
                "email",
                "phone",
                "state",
                "verified_email",
                "tags",
                "note",
                "amount_spent",
                "number_of_orders",
                "created_at",
                "updated_at",
            ],
            [
                (
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    None,
                    "enabled",
                    True,
                    "[]",
                    None,
                    r[8],
                    r[7],
                    r[5],
                    r[6] or now,
                )
                for r in rows
            ],
        )
        return
    for start in range(0, len(rows), BATCH):
        DevCustomer.objects.bulk_create(
            [
                DevCustomer(
                    id=r[0],
                    shop_id=r[1],
                    first_name=r[2],
                    last_name=r[3],
                    email=r[4],
                    created_at=r[5],
                    updated_at=r[6],
                    number_of_orders=r[7],
                    amount_spent=r[8],
                )
                for r in rows[start : start + BATCH]
            ]
        )


def orders_write(shop, orders, items, refunds, refund_lines) -> None:
    currency = shop.currency
    if connection.vendor == "postgresql":
        _copy(
            DevOrder._meta.db_table,
            [
                "id",
                "shop_id",
                "number",
                "customer_id",
                "email",
                "currency",
                "financial_status",
                "subtotal_price",
                "total_discounts",
                "total_shipping",
                "total_tax",
                "total_price",
                "discount_codes",
                "automatic_discounts",
                "note_attributes",
                "test",
                "source_name",
                "processed_at",
                "created_at",
                "updated_at",
            ],
            [
                (
                    o[0],
                    o[1],
                    o[2],
                    o[3],
                    None,
                    currency,
                    o[7],
                    o[5],
                    0,
                    0,
                    0,
                    o[6],
                    "[]",
                    "[]",
                    "[]",
                    False,
                    "web",
                    o[4],
                    o[4],
                    o[4],
                )
                for o in orders
            ],
        )
        _copy(
            DevLineItem._meta.db_table,
            [
                "id",
                "order_id",
                "title",
                "sku",
                "quantity",
                "price",
                "total_discount",
                "gift_card",
                "product_id",
                "variant_id",
            ],
            [(i[0], i[1], i[2], "", i[3], i[4], 0, i[2] == GIFT_CARD, i[5], i[6]) for i in items],
        )
        _copy(
            DevRefund._meta.db_table,
            [
                "id",
                "order_id",
                "restock",
                "shipping_amount",
                "amount",
                "created_at",
                "processed_at",
            ],
            [(r[0], r[1], False, 0, r[2], r[3], r[3]) for r in refunds],
        )
        _copy(
            DevRefundLineItem._meta.db_table,
            ["id", "refund_id", "line_item_id", "quantity", "subtotal", "total_tax"],
            [(r[0], r[1], r[2], r[3], r[4], 0) for r in refund_lines],
        )
        return
    for start in range(0, len(orders), BATCH):
        DevOrder.objects.bulk_create(
            [
                DevOrder(
                    id=o[0],
                    shop_id=o[1],
                    number=o[2],
                    customer_id=o[3],
                    currency=currency,
                    financial_status=o[7],
                    subtotal_price=o[5],
                    total_price=o[6],
                    processed_at=o[4],
                    created_at=o[4],
                    updated_at=o[4],
                )
                for o in orders[start : start + BATCH]
            ]
        )
    for start in range(0, len(items), BATCH):
        DevLineItem.objects.bulk_create(
            [
                DevLineItem(
                    id=i[0],
                    order_id=i[1],
                    title=i[2],
                    quantity=i[3],
                    price=i[4],
                    gift_card=i[2] == GIFT_CARD,
                    product_id=i[5],
                    variant_id=i[6],
                )
                for i in items[start : start + BATCH]
            ]
        )
    DevRefund.objects.bulk_create(
        [
            DevRefund(id=r[0], order_id=r[1], amount=r[2], created_at=r[3], processed_at=r[3])
            for r in refunds
        ],
        batch_size=BATCH,
    )
    DevRefundLineItem.objects.bulk_create(
        [
            DevRefundLineItem(
                id=r[0], refund_id=r[1], line_item_id=r[2], quantity=r[3], subtotal=r[4]
            )
            for r in refund_lines
        ],
        batch_size=BATCH,
    )
