"""A 100k-customer initial sync against devshop completes, with progress, in one test.

devshop seeds the shop with COPY (``devshop_seed``), runs the bulk operation to a real JSONL
file and serves it; the app imports it in committed batches, exactly as in production.
"""

from __future__ import annotations

import time

import pytest
import redis
from django.conf import settings
from django.core.management import call_command

from devshop.models import DevShop
from devshop.services import tokens
from shopify_app import admin_api
from shopify_app.models import Customer, Order, SyncRun
from shopify_app.services.credentials import shop_credential_store
from tests.factories import ShopFactory
from tests.shopify_app.sync.conftest import sync_all

CUSTOMERS = 100_000
ORDERS = 5_000
DOMAIN = "big-shop.myshopify.com"


@pytest.fixture
def big_shop(db, inprocess_http):
    # Within the 60 days the Admin API shows without read_all_orders, so every order is synced.
    call_command(
        "devshop_seed", shop=DOMAIN, customers=CUSTOMERS, orders=ORDERS, days=50, install=True
    )
    token = tokens.access_token_create(shop=DevShop.objects.get(domain=DOMAIN))
    shop = ShopFactory(domain=DOMAIN)
    shop_credential_store(shop=shop, token_response={"access_token": token.token, "scope": ""})
    redis.Redis.from_url(settings.REDIS_URL).delete(admin_api._bucket_key(shop))
    return shop


# About 25 s on a busy 2-CPU machine (devshop seeding and writing the JSONL, then the import):
# marked so `-m "not slow"` can skip it while iterating; `make test` runs everything.
@pytest.mark.slow
def test_100k_customer_initial_sync_completes_with_progress(big_shop):
    started = time.monotonic()
    runs = {run.resource: run for run in sync_all(big_shop)}
    elapsed = time.monotonic() - started

    customers, orders = runs["customers"], runs["orders"]
    assert customers.status == orders.status == SyncRun.Status.COMPLETED
    assert customers.records_processed == CUSTOMERS
    assert customers.lines_processed == customers.object_count == CUSTOMERS
    assert customers.bytes_offset == customers.file_size
    assert orders.records_processed == ORDERS
    assert Customer.objects.filter(shop=big_shop).count() == CUSTOMERS
    assert Order.objects.filter(shop=big_shop, customer__isnull=True).count() == 0
    print(f"100k customers + {ORDERS} orders synced in {elapsed:.1f} s")
