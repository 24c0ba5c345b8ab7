"""The initial sync against devshop: bulk operations, JSONL import, progress, re-run, resume."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from devshop import dev as devshop_dev
from devshop.models import DevBulkOperation, DevCustomer, DevLineItem, DevOrder, DevRefund
from devshop.services import customers as dev_customers
from devshop.services import orders as dev_orders
from devshop.services.orders import LineInput
from shopify_app import admin_api
from shopify_app.graphql import sync as documents
from shopify_app.models import Customer, Order, Refund, SyncRun
from shopify_app.sync import importer, services
from tests.shopify_app.sync.conftest import run_to_importing, sync_all

Status = SyncRun.Status


@pytest.fixture
def store(devshop):
    """Two customers (one without email: protected data may be null), three orders."""
    ada = dev_customers.customer_create(
        shop=devshop.shop, first_name="Ada", last_name="Lovelace", email="ada@example.com",
        tags=["vip"],
    )  # fmt: skip
    bob = dev_customers.customer_create(shop=devshop.shop, first_name="Bob")
    first = dev_orders.order_create(
        shop=devshop.shop, customer=ada,
        lines=[LineInput("Tea", Decimal("4.50")), LineInput("Cup", Decimal("6.00"), 2)],
        note_attributes=[("gift", "yes")],
    )  # fmt: skip
    second = dev_orders.order_create(
        shop=devshop.shop, customer=bob, lines=[LineInput("Pot", Decimal("30.00"))]
    )
    guest = dev_orders.order_create(
        shop=devshop.shop, customer=None, lines=[LineInput("Mug", Decimal("12.00"))]
    )
    tea = first.line_items.order_by("id").first()
    refund = dev_orders.order_refund(order=first, lines=[(tea.id, 1)])
    return {"ada": ada, "bob": bob, "orders": [first, second, guest], "refund": refund}


def test_initial_sync_mirrors_customers_orders_and_refunds(app_shop, store):
    runs = sync_all(app_shop)

    assert {(r.resource, r.status) for r in runs} == {
        ("customers", Status.COMPLETED),
        ("orders", Status.COMPLETED),
    }
    ada = Customer.objects.get(shop=app_shop, shopify_id=store["ada"].id)
    assert (ada.email, ada.first_name, ada.tags, ada.state) == (
        "ada@example.com", "Ada", ["vip"], "enabled",
    )  # fmt: skip
    bob = Customer.objects.get(shop=app_shop, shopify_id=store["bob"].id)
    assert bob.email is None
    first = Order.objects.get(shop=app_shop, shopify_id=store["orders"][0].id)
    assert first.customer == ada
    assert first.name == store["orders"][0].name
    assert first.financial_status == "partially_refunded"
    assert first.subtotal_price == Decimal("16.50")
    assert first.note_attributes == {"gift": "yes"}
    assert sorted((Decimal(i["price"]), i["quantity"]) for i in first.line_items) == [
        (Decimal("4.50"), 1), (Decimal("6.00"), 2),
    ]  # fmt: skip
    assert Order.objects.get(shop=app_shop, shopify_id=store["orders"][2].id).customer is None
    refund = Refund.objects.get(shop=app_shop, shopify_id=store["refund"].id)
    assert refund.order == first
    assert refund.amount == store["refund"].amount


def test_the_make_dev_demo_reaches_the_mirrors_whole(app_shop, devshop):
    """`make dev` seeds its demo with ``DEMO_SEED``; the app sees orders through ``read_orders``
    (60 days), so every seeded order, line item and refund must reach the mirrors."""
    call_command(
        "devshop_seed", shop=devshop.shop.domain, **devshop_dev.DEMO_SEED, stdout=StringIO()
    )

    runs = {r.resource: r for r in sync_all(app_shop)}

    seeded = DevOrder.objects.filter(shop=devshop.shop)
    lines = DevLineItem.objects.filter(order__shop=devshop.shop).count()
    refunds = DevRefund.objects.filter(order__shop=devshop.shop).count()
    mirrored = Order.objects.filter(shop=app_shop)
    assert seeded.count() == devshop_dev.DEMO_SEED["orders"] and refunds > 0
    assert mirrored.count() == seeded.count()
    assert sum(len(order.line_items) for order in mirrored) == lines
    assert Refund.objects.filter(shop=app_shop).count() == refunds
    assert Customer.objects.filter(shop=app_shop).count() == (
        DevCustomer.objects.filter(shop=devshop.shop).count()
    )
    # Shopify's objectCount counts every JSONL line: the orders and, nested, their line items.
    assert runs["orders"].records_processed == seeded.count()
    assert runs["orders"].object_count == seeded.count() + lines


def test_progress_is_stored_on_the_run(app_shop, store):
    runs = {r.resource: r for r in sync_all(app_shop)}

    orders = runs["orders"]
    assert orders.object_count == 3 + 4  # three orders and their four line items
    assert orders.lines_processed == orders.object_count
    assert orders.records_processed == 3
    assert orders.bytes_offset == orders.file_size
    assert orders.bulk_operation_id.startswith("gid://shopify/BulkOperation/")
    assert orders.watermark is not None and orders.finished_at is not None


def test_rerun_neither_duplicates_nor_loses(app_shop, store, devshop):
    sync_all(app_shop)
    dev_customers.customer_update(customer=store["bob"], email="bob@example.com")

    again = sync_all(app_shop)

    assert all(r.status == Status.COMPLETED for r in again)
    assert Customer.objects.filter(shop=app_shop).count() == 2
    assert Order.objects.filter(shop=app_shop).count() == 3
    assert Refund.objects.filter(shop=app_shop).count() == 1
    assert Customer.objects.get(shop=app_shop, shopify_id=store["bob"].id).email == (
        "bob@example.com"
    )
    first = Order.objects.get(shop=app_shop, shopify_id=store["orders"][0].id)
    assert len(first.line_items) == 2


def test_starting_twice_finds_the_active_runs(app_shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = services.sync_initial_start(shop=app_shop)
        second = services.sync_initial_start(shop=app_shop)

    assert [r.pk for r in first] == [r.pk for r in second]
    assert len(callbacks) == 2  # one start task per resource, not per call


def test_interrupted_import_resumes_at_its_offset(app_shop, store, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_LINES", 2)
    (orders_run,) = [
        r for r in services.sync_initial_start(shop=app_shop) if r.resource == "orders"
    ]
    run = run_to_importing(orders_run)

    # A slice with no time left commits one batch and stops, as a task at its budget does.
    outcome = services.sync_run_import(run=run, budget_seconds=0)
    run.refresh_from_db()
    assert outcome.more and run.status == Status.IMPORTING
    assert run.lines_processed == 2 and 0 < run.bytes_offset < run.file_size
    assert Order.objects.filter(shop=app_shop).count() == 1

    # A worker killed mid-slice: its lease is taken, never released, and expires.
    services._claim(run)
    assert services.sync_run_import(run=run).status == Status.IMPORTING  # leased: left alone
    SyncRun.objects.filter(pk=run.pk).update(lease_expires_at="2000-01-01T00:00:00Z")

    while services.sync_run_import(run=run).more:
        pass
    run.refresh_from_db()
    assert run.status == Status.COMPLETED
    assert run.lines_processed == run.object_count == 7
    assert Order.objects.filter(shop=app_shop).count() == 3
    first = Order.objects.get(shop=app_shop, shopify_id=store["orders"][0].id)
    assert len(first.line_items) == 2  # a line item split from its order by a batch boundary


def test_failed_bulk_operation_fails_the_run(app_shop, devshop):
    from devshop.models import DevBulkOperation

    (run, _) = services.sync_initial_start(shop=app_shop)
    run = services.sync_run_start(run=run)
    DevBulkOperation.objects.filter(shop=devshop.shop).update(
        status="FAILED", error_code="ACCESS_DENIED"
    )

    run = services.sync_run_check(run=run)

    assert run.status == Status.FAILED
    assert run.error == "bulk operation failed (ACCESS_DENIED)"


def test_uninstalled_shop_fails_the_run(app_shop):
    from django.utils import timezone

    (run, _) = services.sync_initial_start(shop=app_shop)
    type(app_shop).objects.filter(pk=app_shop.pk).update(uninstalled_at=timezone.now())

    run = services.sync_run_start(run=run)

    assert run.status == Status.FAILED


def test_gift_cards_and_refund_times_are_mirrored(app_shop, devshop):
    order = dev_orders.order_create(
        shop=devshop.shop, customer=None,
        lines=[LineInput("Tea", Decimal("4.50")), LineInput("Card", Decimal("25"), gift_card=True)],
    )  # fmt: skip
    devshop.advance(60)  # the refund is processed a minute after the order
    tea = order.line_items.get(title="Tea")
    refund = dev_orders.order_refund(order=order, lines=[(tea.id, 1)])

    sync_all(app_shop)

    mirrored = Order.objects.get(shop=app_shop, shopify_id=order.id)
    assert sorted((i["price"], i["gift_card"]) for i in mirrored.line_items) == [
        ("25.0", True), ("4.5", False),
    ]  # fmt: skip
    assert Refund.objects.get(shop=app_shop, shopify_id=refund.id).processed_at == (
        refund.processed_at.replace(microsecond=0)
    )


def _start_at_shopify(shop, resource: str) -> str:
    """What a worker that died right after Shopify accepted the start had done."""
    payload = admin_api.mutate(
        shop=shop,
        document=documents.BULK_OPERATION_RUN_QUERY,
        variables={"query": services.BULK_QUERIES[resource]},
        field="bulkOperationRunQuery",
    )
    return payload["bulkOperation"]["id"]


def test_a_retried_start_adopts_the_operation_its_dead_worker_started(app_shop, store):
    customers_run, orders_run = services.sync_initial_start(shop=app_shop)
    orphan = _start_at_shopify(app_shop, "orders")

    orders_run = services.sync_run_start(run=orders_run)
    customers_run = services.sync_run_start(run=customers_run)

    assert orders_run.bulk_operation_id == orphan
    assert customers_run.bulk_operation_id not in (orphan, "")
    assert DevBulkOperation.objects.count() == 2
    for run in (customers_run, orders_run):
        for _ in range(3):  # devshop moves an operation one step per poll
            run = services.sync_run_check(run=run)
        assert run.status == Status.IMPORTING
        while services.sync_run_import(run=run).more:
            pass
        run.refresh_from_db()
        assert run.status == Status.COMPLETED
    assert Order.objects.filter(shop=app_shop).count() == 3


def test_an_operation_another_run_recorded_is_not_adopted(app_shop, store):
    earlier = {run.resource: run for run in sync_all(app_shop)}
    failed_orphan = _start_at_shopify(app_shop, "customers")
    DevBulkOperation.objects.filter(id=failed_orphan.rsplit("/", 1)[1]).update(status="FAILED")

    again = services.sync_initial_start(shop=app_shop)  # a reinstall's sync
    started = [services.sync_run_start(run=run) for run in again]

    ids = {run.bulk_operation_id for run in started}
    assert not ids & {earlier["customers"].bulk_operation_id, earlier["orders"].bulk_operation_id}
    assert failed_orphan not in ids
    assert DevBulkOperation.objects.count() == 5
