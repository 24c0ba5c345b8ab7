"""``devshop_seed``: a demo shop with realistic customers and order history, sized by argument.

    manage.py devshop_seed --shop demo.myshopify.com --customers 100000 --orders 1000000

Rows are generated in memory and written with PostgreSQL COPY (``bulk_create`` in large
batches on SQLite), so 100k customers with 1M orders take minutes, not hours. No webhooks
are sent: this is history that existed before the app was installed. Order dates spread over
``--days``; remember that without ``read_all_orders`` the Admin API shows only 60 days.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from faker import Faker

from devshop import clock
from devshop.exceptions import DevshopError
from devshop.graphql.context import ORDER_WINDOW
from devshop.models import (
    DevCustomer,
    DevLineItem,
    DevOrder,
    DevRefund,
    DevRefundLineItem,
    DevSequence,
    DevShop,
)
from devshop.services import products, shops

GIFT_CARD = "Gift Card"  # its lines are gift cards (isGiftCard)
# The storefront's catalog: (title, description, [(variant title, price)]). Seeded order
# history sells each product's first variant at its price (the earlier seeds' prices).
CATALOG: list[tuple[str, str, list[tuple[str, Decimal]]]] = [
    (
        "Organic Green Tea",
        "Loose-leaf sencha from a small organic farm.",
        [("100 g", Decimal("12.00")), ("250 g", Decimal("26.00"))],
    ),
    (
        "Ceramic Mug",
        "A hand-glazed 350 ml mug.",
        [("Blue", Decimal("18.50")), ("Red", Decimal("18.50"))],
    ),
    (
        "Cold Brew Kit",
        "Jar, filter and a first bag of coffee.",
        [("Default Title", Decimal("34.00"))],
    ),
    (
        "Espresso Beans 1kg",
        "A chocolatey house blend.",
        [("Whole bean", Decimal("29.90")), ("Ground", Decimal("29.90"))],
    ),
    ("Travel Tumbler", "Keeps drinks hot for six hours.", [("Default Title", Decimal("24.00"))]),
    ("Matcha Whisk", "A 100-prong bamboo chasen.", [("Default Title", Decimal("9.75"))]),
    (GIFT_CARD, "A gift card for the store.", [("$50", Decimal("50.00"))]),
    ("Pour-over Dripper", "A ceramic cone for one cup.", [("Default Title", Decimal("27.00"))]),
]
REFUND_RATE = 0.03
BATCH = 50_000


class Command(BaseCommand):
    help = "Create (or extend) a demo shop with fake customers and order history."

    def add_arguments(self, parser):
        parser.add_argument("--shop", default="demo.myshopify.com")
        parser.add_argument("--customers", type=int, default=100)
        parser.add_argument("--orders", type=int, default=300)
        parser.add_argument(
            "--days", type=int, default=365, help="spread orders over this many days"
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same data)"
        )
        parser.add_argument("--install", action="store_true", help="also install the app")

    def handle(self, *args, **options):
        if options["customers"] < 1 and options["orders"] > 0:
            raise CommandError("orders need at least one customer")
        started = time.monotonic()
        try:
            shop = shops.shop_create(domain=options["shop"])
        except DevshopError as exc:
            raise CommandError(exc.message) from None
        if options["install"]:
            shops.app_install(shop=shop)
        rng = random.Random(options["seed"])
        fake = Faker()
        fake.seed_instance(options["seed"])
        with transaction.atomic():
            counts = _seed(
                shop, rng, fake, options["customers"], options["orders"], options["days"]
            )
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"seeded {shop.domain}: {counts['customers']} customers, {counts['orders']} orders, "
            f"{counts['line_items']} line items, {counts['refunds']} refunds in {elapsed:.1f} s"
        )
        hidden = DevOrder.objects.filter(
            shop=shop, created_at__lt=clock.now() - ORDER_WINDOW
        ).count()
        if hidden:
            self.stdout.write(
                f"{hidden} orders are older than {ORDER_WINDOW.days} days: an app without "
                "read_all_orders does not see them"
            )


def _seed(
    shop: DevShop, rng: random.Random, fake: Faker, n_customers: int, n_orders: int, days: int
) -> dict:
    now = clock.now()
    # A pool of fake names keeps Faker (slow per call) out of the per-row loop.
    firsts = [fake.first_name() for _ in range(500)]
    lasts = [fake.last_name() for _ in range(500)]
    domains = ["example.com", "example.org", "example.net"]
    first_customer = DevSequence.allocate("Customer", n_customers)
    spent = [Decimal("0")] * n_customers
    counts = [0] * n_customers
    last_update = [now - timedelta(days=days)] * n_customers

    sold = _catalog(shop)
    first_order = DevSequence.allocate("Order", max(n_orders, 1))
    shop.refresh_from_db()
    first_number = shop.next_order_number
    DevShop.objects.filter(pk=shop.pk).update(next_order_number=first_number + n_orders)
    line_ids = DevSequence.allocate("LineItem", n_orders * 3 + 1)
    refund_ids = DevSequence.allocate("Refund", int(n_orders * REFUND_RATE * 2) + 1)
    refund_line_ids = DevSequence.allocate("RefundLineItem", int(n_orders * REFUND_RATE * 6) + 1)
    orders, items, refunds, refund_lines = [], [], [], []
    next_line = line_ids
    next_refund, next_refund_line = refund_ids, refund_line_ids
    for index in range(n_orders):
        who = rng.randrange(n_customers)
        created = now - timedelta(seconds=rng.randrange(days * 86400))
        lines = []
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            title, price, product_id, variant_id = sold[rng.randrange(len(sold))]
            lines.append(
                (next_line, title, price, rng.choice((1, 1, 1, 2, 3)), product_id, variant_id)
            )
            next_line += 1
        subtotal = sum((line[2] * line[3] for line in lines), Decimal("0"))
        refunded = rng.random() < REFUND_RATE
        total = subtotal
        order_id = first_order + index
        orders.append(
            (
                order_id,
                shop.id,
                first_number + index,
                first_customer + who,
                created,
                subtotal,
                total,
                "refunded" if refunded else "paid",
            )
        )
        for line_id, title, price, qty, product_id, variant_id in lines:
            items.append((line_id, order_id, title, qty, price, product_id, variant_id))
        counts[who] += 1
        if not refunded:
            spent[who] += total
        else:
            refunds.append((next_refund, order_id, total, created + timedelta(days=3)))
            for line_id, _, price, qty, _, _ in lines:
                refund_lines.append((next_refund_line, next_refund, line_id, qty, price * qty))
                next_refund_line += 1
            next_refund += 1
        last_update[who] = max(last_update[who], created)

    customers = []
    for index in range(n_customers):
        first, last = rng.choice(firsts), rng.choice(lasts)
        email = f"{first}.{last}.{index}@{domains[index % 3]}".lower()
        created = now - timedelta(days=days + rng.randrange(365))
        customers.append(
            (
                first_customer + index,
                shop.id,
                first,
                last,
                email,
                created,
                last_update[index],
                counts[index],
                spent[index],
            )
        )
    _write_customers(customers)
    _write_orders(shop, orders, items, refunds, refund_lines)
    if connection.vendor == "postgresql":
        # Fresh statistics: until autovacuum gets to these tables the planner believes them
        # nearly empty, and a bulk export's page query (orders after a cursor, their customers
        # joined) sorts every remaining row per page instead of walking the primary key.
        with connection.cursor() as cursor:
            for model in (DevCustomer, DevOrder, DevLineItem, DevRefund, DevRefundLineItem):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return {
        "customers": n_customers,
        "orders": n_orders,
        "line_items": len(items),
        "refunds": len(refunds),
    }


def _catalog(shop: DevShop) -> list[tuple[str, Decimal, int, int]]:
    """The storefront's products (made once per shop; a re-run extends history with them):
    (title, price, product id, variant id) of each product's first variant."""
    sold = []
    for title, description, variants in CATALOG:
        product = shop.products.filter(title=title).first() or products.product_create(
            shop=shop,
            title=title,
            description=description,
            variants=[products.VariantInput(name, price) for name, price in variants],
            gift_card=title == GIFT_CARD,
        )
        first = product.variants.order_by("id").first()
        if first is not None:
            sold.append((title, first.price, product.id, first.id))
    return sold


def _copy(table: str, columns: list[str], rows: list[tuple]) -> None:
    """COPY ``rows`` into ``table`` (PostgreSQL only; the callers fall back elsewhere)."""
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _write_customers(rows: list[tuple]) -> None:
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


def _write_orders(shop, orders, items, refunds, refund_lines) -> None:
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
