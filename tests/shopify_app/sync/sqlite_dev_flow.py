"""`make dev` without configuration, in one process: SQLite, tasks in-process, devshop beside.

Run by ``test_sqlite_dev_flow.py`` as ``python -m tests.shopify_app.sync.sqlite_dev_flow`` with
``DATABASE_URL=sqlite:///…`` and ``REDIS_URL=`` (the test settings, so devshop's tables and
routes are there). It migrates, seeds a devshop shop, opens the app from devshop's admin (the
first open installs it by token exchange and starts the initial sync inline, as in ``make dev``),
devshop runs the bulk operations as its background runner would (each sends
``bulk_operations/finish``, on which the app imports the result inline), then a webhook arrives
for an order placed afterwards. Prints what the mirrors hold as one JSON line.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import django

DOMAIN = "sqlite-dev.myshopify.com"
CUSTOMERS = 6
ORDERS = 12


def main() -> dict[str, object]:
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the in-process adapter's test client serves "testserver"
    call_command("migrate", verbosity=0)

    from devshop import http as devshop_http
    from devshop.frame.views import embedded_app_src
    from devshop.models import DevBulkOperation, DevCustomer, DevShop
    from devshop.services import bulk as devshop_bulk
    from devshop.services import orders as devshop_orders
    from devshop.services import shops as devshop_shops
    from devshop.testing import BASE_URL, InProcessAdapter
    from loyalty.models import OrderPoints
    from shopify_app import http as app_http
    from shopify_app.models import Customer, Order, Refund, Shop, SyncRun, WebhookDelivery

    adapter = InProcessAdapter()
    for session in (app_http.session, devshop_http.session):
        session.mount(f"{BASE_URL}/", adapter)

    call_command("devshop_seed", shop=DOMAIN, customers=CUSTOMERS, orders=ORDERS, days=50)
    dev_shop = DevShop.objects.get(domain=DOMAIN)
    src = urlsplit(embedded_app_src(DOMAIN, devshop_shops.shop_owner(shop=dev_shop).id))
    response = Client().get(f"{src.path}?{src.query}")
    # In-process tasks ignore countdowns, so the sync must not poll itself: it waits.
    waiting = sorted(SyncRun.objects.values_list("resource", "status"))
    for operation in DevBulkOperation.objects.filter(shop=dev_shop).order_by("id"):
        devshop_bulk.bulk_operation_run(operation=operation)

    shop = Shop.objects.get(domain=DOMAIN)
    # After the install: an order placed now reaches the app by webhook (orders/create, paid).
    customer = DevCustomer.objects.filter(shop=dev_shop).order_by("id").first()
    placed = devshop_orders.order_create(
        shop=dev_shop,
        customer=customer,
        lines=[devshop_orders.LineInput(title="Mug", price=devshop_orders.Decimal("18.50"))],
    )
    return {
        "vendor": connection.vendor,
        "status": response.status_code,
        "runs_after_open": waiting,
        "runs": sorted(
            (run.resource, run.status, run.error)
            for run in SyncRun.objects.filter(shop=shop, kind=SyncRun.Kind.INITIAL)
        ),
        "customers": Customer.objects.filter(shop=shop).count(),
        "orders": Order.objects.filter(shop=shop).count(),
        "orders_without_customer": Order.objects.filter(
            shop=shop, customer_shopify_id__isnull=False, customer__isnull=True
        ).count(),
        "refunds": Refund.objects.filter(shop=shop).count(),
        "line_items": sum(len(o.line_items) for o in Order.objects.filter(shop=shop)),
        "webhook_order_mirrored": Order.objects.filter(shop=shop, shopify_id=placed.id).exists(),
        # The webhook's order earned points: the loyalty handlers' SQL ran on this database too.
        "order_points": OrderPoints.objects.filter(shop=shop, order_shopify_id=placed.id).count(),
        "deliveries": sorted(
            {(d.topic, d.status, d.last_error) for d in WebhookDelivery.objects.filter(shop=shop)}
        ),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
