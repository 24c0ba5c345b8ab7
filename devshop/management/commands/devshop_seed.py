"""``devshop_seed``: a demo shop with realistic customers and order history, sized by argument.

    manage.py devshop_seed --shop demo.myshopify.com --customers 100000 --orders 1000000

Rows are generated in memory and written by ``devshop.services.seed_rows`` (PostgreSQL COPY,
``bulk_create`` in large batches on SQLite), so 100k customers with 1M orders take minutes, not
hours. No webhooks are sent: this is history that existed before the app was installed. Order
dates spread over ``--days``; remember that without ``read_all_orders`` the Admin API shows
only 60 days.
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
from devshop.services import products, seed_rows, shops
from devshop.services.seed_rows import GIFT_CARD

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
    seed_rows.customers_write(customers)
    seed_rows.orders_write(shop, orders, items, refunds, refund_lines)
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
