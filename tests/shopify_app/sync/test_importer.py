"""The importer's batches: committed in file order by the writing thread while the reader
thread parses ahead; what the reader meets (a corrupt line, a broken download) is raised only
after the batches before it are committed, and no reader outlives the import."""

from __future__ import annotations

import threading

import orjson
import pytest

from shopify_app.exceptions import ShopifyRetriableError
from shopify_app.models import Customer, Order, SyncRun
from shopify_app.sync import importer
from shopify_app.sync.parse import BulkResultCorrupt

UPDATED = "2026-07-01T12:00:00Z"


def _customer(n: int, *, email: str = "", updated: str = UPDATED) -> bytes:
    node = {
        "id": f"gid://shopify/Customer/{n}",
        "defaultEmailAddress": {"emailAddress": email or f"c{n}@example.com"},
        "firstName": "Ada", "state": "ENABLED", "tags": [], "numberOfOrders": "1",
        "createdAt": UPDATED, "updatedAt": updated,
    }  # fmt: skip
    return orjson.dumps(node) + b"\n"


def _order(n: int, *, customer: int | None = None) -> bytes:
    node = {
        "id": f"gid://shopify/Order/{n}", "name": f"#{n}", "currencyCode": "USD",
        "displayFinancialStatus": "PAID",
        "customer": {"id": f"gid://shopify/Customer/{customer}"} if customer else None,
        "totalPriceSet": {"shopMoney": {"amount": "10.0", "currencyCode": "USD"}},
        "createdAt": UPDATED, "updatedAt": UPDATED,
    }  # fmt: skip
    return orjson.dumps(node) + b"\n"


def _line_item(n: int, order: int) -> bytes:
    node = {
        "id": f"gid://shopify/LineItem/{n}", "quantity": 1,
        "originalUnitPriceSet": {"shopMoney": {"amount": "10.0", "currencyCode": "USD"}},
        "__parentId": f"gid://shopify/Order/{order}",
    }  # fmt: skip
    return orjson.dumps(node) + b"\n"


def _run(shop, resource: str) -> SyncRun:
    run = SyncRun.objects.create(
        shop=shop, kind="initial", resource=resource, status="importing", attempts=1
    )
    return SyncRun.objects.select_related("shop").get(pk=run.pk)


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sync-import-reader"]


def _import(run: SyncRun, chunks, **kwargs) -> importer.ImportProgress:
    return importer.import_records(run=run, chunks=chunks, lease_attempt=1, **kwargs)


def test_batches_are_committed_in_file_order_with_their_offsets(shop):
    data = b"".join(_customer(n) for n in range(1, 8))
    run = _run(shop, "customers")

    progress = _import(run, [data[:50], data[50:]], batch_lines=3)

    run.refresh_from_db()
    assert progress.finished and progress.lines == 7
    assert (run.lines_processed, run.records_processed, run.bytes_offset) == (7, 7, len(data))
    assert Customer.objects.filter(shop=shop).count() == 7
    assert not _readers()


def test_a_corrupt_line_fails_after_the_batches_before_it(shop):
    good = b"".join(_customer(n) for n in range(1, 5))
    run = _run(shop, "customers")

    with pytest.raises(BulkResultCorrupt):
        _import(run, [good, b"{not json\n", _customer(9)], batch_lines=2)

    run.refresh_from_db()
    assert run.lines_processed == 4 and run.bytes_offset == len(good)
    assert Customer.objects.filter(shop=shop).count() == 4
    assert not _readers()


def test_a_broken_download_fails_after_the_batches_before_it(shop):
    first = _customer(1) + _customer(2)
    run = _run(shop, "customers")

    def chunks():
        yield first
        yield _customer(3)  # the start of a batch that never completes
        raise ShopifyRetriableError("bulk result download broke")

    with pytest.raises(ShopifyRetriableError):
        _import(run, chunks(), batch_lines=2)

    run.refresh_from_db()
    assert run.bytes_offset == len(first)  # the retry resumes with customer 3
    assert Customer.objects.filter(shop=shop).count() == 2
    assert not _readers()


def test_a_slice_at_its_deadline_stops_its_reader(shop):
    data = b"".join(_customer(n) for n in range(1, 21))
    run = _run(shop, "customers")

    progress = _import(run, [data], batch_lines=2, deadline=0)

    run.refresh_from_db()
    assert not progress.finished and run.lines_processed == 2
    assert not _readers()


def test_a_batch_repeating_a_record_keeps_its_newest(shop):
    data = (
        _customer(1, email="new@example.com", updated="2026-07-02T12:00:00Z")
        + _customer(1, email="old@example.com")
        + _customer(2)
    )
    _import(_run(shop, "customers"), [data], batch_lines=10)

    assert Customer.objects.get(shop=shop, shopify_id=1).email == "new@example.com"
    assert Customer.objects.filter(shop=shop).count() == 2


def test_orders_are_linked_and_line_items_merged_across_batches(shop):
    orders = _run(shop, "orders")
    # Order 5's second line item falls into the next batch (merged by id into the written
    # order); customer 1 arrives after its order (linked when it does).
    data = _order(5, customer=1) + _line_item(51, 5) + _line_item(52, 5) + _order(6)
    _import(orders, [data], batch_lines=2)
    _import(_run(shop, "customers"), [_customer(1)])

    order = Order.objects.get(shop=shop, shopify_id=5)
    assert [item["id"] for item in order.line_items] == [51, 52]
    assert order.customer == Customer.objects.get(shop=shop, shopify_id=1)
    assert Order.objects.get(shop=shop, shopify_id=6).line_items == []
