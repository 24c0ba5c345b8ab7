"""Reconciliation: repair what lost webhooks left behind, through the webhook handlers.

Shopify does not guarantee delivery (a subscription can also be deleted after repeated
failures). Periodically, per shop and resource, we page what changed in Shopify in a window of
``updated_at`` (from the last watermark to a little before now, leaving the newest changes to
webhooks still in flight) and compare it with the mirrors:

- a customer or order we lack, or hold with an older ``updated_at``, gets a synthetic
  ``customers/update`` / ``orders/updated`` delivery carrying the current state;
- an order's refund we lack gets a ``refunds/create`` delivery (its line items fetched first).

Synthetic deliveries go into the inbox like Shopify's (``webhook_delivery_receive``), so the
same handlers run — mirrors first, then the points program, which reconciles the order's points
from the repaired mirror — with the inbox's retries, failure records and replay. Their webhook
ids (``reconcile:<topic>:<id>:<updated_at>``) make a repeated reconciliation of the same state a
no-op. Each reconciliation is a ``SyncRun`` (kind ``reconcile``) whose ``watermark`` is where
the next one starts. A deletion is not visible this way (a deleted customer no longer appears);
``customers/delete`` relies on Shopify's retries alone.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from shopify_app import admin_api
from shopify_app.graphql import sync as documents
from shopify_app.models import Customer, Order, Refund, Shop, SyncRun
from shopify_app.services.webhook_intake import Receipt, webhook_delivery_receive
from shopify_app.sync import payloads
from shopify_app.sync.rows import numeric_id

logger = logging.getLogger(__name__)

Resource = SyncRun.Resource
Status = SyncRun.Status

# Changes younger than this are left to webhooks still on their way (Shopify retries for hours,
# but almost every delivery lands within seconds).
GRACE = timedelta(minutes=10)
# Where the first reconciliation starts when there is no watermark (no completed sync yet).
FIRST_LOOKBACK = timedelta(days=1)
CUSTOMERS_PAGE = 100
# An order with 25 line items costs about 200 points (each line item ~7: itself, its variant,
# product and two money bags), so 4 per page stay under Shopify's 1,000-point ceiling.
ORDERS_PAGE = 4
LINE_ITEMS_PAGE = 25


def _watermark(*, shop: Shop, resource: str) -> datetime | None:
    """Where the next window starts: the newest watermark of a completed run of ``resource``."""
    run = (
        SyncRun.objects.filter(
            shop=shop, resource=resource, status=Status.COMPLETED, watermark__isnull=False
        )
        .order_by("-watermark")
        .first()
    )
    return run.watermark if run else None


def _search_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _deliver(*, shop: Shop, topic: str, key: str, payload: dict[str, Any]) -> bool:
    """Put a synthetic delivery of ``topic`` into the inbox; False if this one already was."""
    receipt = webhook_delivery_receive(
        shop_domain=shop.domain,
        webhook_id=f"reconcile:{topic}:{key}",
        topic=topic,
        api_version=settings.SHOPIFY_API_VERSION,
        event_id=None,
        triggered_at=timezone.now(),
        body=orjson.dumps(payload),
    )
    return receipt is Receipt.STORED


def _stale(nodes: list[dict[str, Any]], stored: dict[int, datetime | None]) -> list[dict]:
    """Nodes we lack, or hold with an older ``updated_at`` than Shopify's."""
    stale = []
    for node in nodes:
        node_id = numeric_id(node["id"])
        ours = stored.get(node_id)
        theirs = _parse_time(node.get("updatedAt"))
        # Missing, stored without a time, or older than Shopify's: repair it.
        if ours is None or (theirs is not None and ours < theirs):
            stale.append(node)
    return stale


def _customers_page(*, shop: Shop, nodes: list[dict[str, Any]]) -> int:
    ids = [numeric_id(n["id"]) for n in nodes]
    stored = dict(
        Customer.objects.filter(shop=shop, shopify_id__in=ids).values_list(
            "shopify_id", "shopify_updated_at"
        )
    )
    repaired = 0
    for node in _stale(nodes, stored):
        key = f"{numeric_id(node['id'])}:{node.get('updatedAt')}"
        repaired += _deliver(
            shop=shop, topic="customers/update", key=key, payload=payloads.customer_payload(node)
        )
    return repaired


def _orders_page(*, shop: Shop, nodes: list[dict[str, Any]]) -> int:
    ids = [numeric_id(n["id"]) for n in nodes]
    stored = dict(
        Order.objects.filter(shop=shop, shopify_id__in=ids).values_list(
            "shopify_id", "shopify_updated_at"
        )
    )
    repaired = 0
    for node in _stale(nodes, stored):
        if (node.get("lineItems") or {}).get("pageInfo", {}).get("hasNextPage"):
            # An order with more line items than one page would be mirrored incomplete; the
            # loyalty amounts come from the order totals, the lines only refine eligibility.
            logger.warning("reconcile: order %s has more than %d line items", node["id"],
                           LINE_ITEMS_PAGE)  # fmt: skip
        key = f"{numeric_id(node['id'])}:{node.get('updatedAt')}"
        repaired += _deliver(
            shop=shop, topic="orders/updated", key=key, payload=payloads.order_payload(node)
        )
    refund_ids = {numeric_id(r["id"]) for n in nodes for r in n.get("refunds") or []}
    known = set(
        Refund.objects.filter(shop=shop, shopify_id__in=refund_ids).values_list(
            "shopify_id", flat=True
        )
    )
    for node in nodes:
        missing = {numeric_id(r["id"]) for r in node.get("refunds") or []} - known
        if missing:
            repaired += _refunds_repair(shop=shop, order_gid=node["id"], refund_ids=missing)
    return repaired


def _refunds_repair(*, shop: Shop, order_gid: str, refund_ids: set[int]) -> int:
    data = admin_api.execute(
        shop=shop, document=documents.ORDER_REFUNDS, variables={"id": order_gid}
    )
    refunds = (data.get("order") or {}).get("refunds") or []
    repaired = 0
    for refund in refunds:
        refund_id = numeric_id(refund["id"])
        if refund_id in refund_ids:
            repaired += _deliver(
                shop=shop,
                topic="refunds/create",
                key=str(refund_id),
                payload=payloads.refund_payload(order_gid, refund),
            )
    return repaired


def _pages(*, shop: Shop, resource: str, search: str):
    if resource == Resource.CUSTOMERS:
        document, field = documents.CUSTOMERS_UPDATED, "customers"
        variables: dict[str, Any] = {"first": CUSTOMERS_PAGE, "query": search}
    else:
        document, field = documents.ORDERS_UPDATED, "orders"
        variables = {"first": ORDERS_PAGE, "query": search, "lineItems": LINE_ITEMS_PAGE}
    after = None
    while True:
        data = admin_api.execute(
            shop=shop, document=document, variables={**variables, "after": after}
        )
        connection = data[field]
        yield connection["nodes"]
        if not connection["pageInfo"]["hasNextPage"]:
            return
        after = connection["pageInfo"]["endCursor"]


def sync_reconcile(*, shop: Shop, resource: str, now: datetime | None = None) -> SyncRun | None:
    """Reconcile ``resource`` of ``shop`` for the window since the last watermark.

    Writes a ``reconcile`` SyncRun (progress: nodes compared, repairs made; ``watermark`` = the
    window's end once completed) and one synthetic inbox delivery per repair. Returns None and
    does nothing while an initial sync of ``resource`` is active, while another reconciliation
    of it runs (unique constraint), or when the window is empty. Shopify errors mark the run
    failed and propagate (the task retries); the next run covers the same window again.
    Idempotent: repeating a window delivers nothing new (delivery ids are keyed by state).
    """
    now = now or timezone.now()
    active = SyncRun.objects.filter(
        shop=shop, resource=resource, status__in=SyncRun.ACTIVE_STATUSES
    )
    if active.filter(kind=SyncRun.Kind.INITIAL).exists():
        return None
    start = _watermark(shop=shop, resource=resource) or now - FIRST_LOOKBACK
    end = now - GRACE
    if end <= start:
        return None
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                shop=shop, kind=SyncRun.Kind.RECONCILE, resource=resource,
                status=Status.RUNNING, started_at=now,
            )  # fmt: skip
    except IntegrityError:
        return None  # another reconciliation of this resource is running
    search = f"updated_at:>'{_search_time(start)}' AND updated_at:<='{_search_time(end)}'"
    page_repair = _customers_page if resource == Resource.CUSTOMERS else _orders_page
    try:
        for nodes in _pages(shop=shop, resource=resource, search=search):
            repaired = page_repair(shop=shop, nodes=nodes) if nodes else 0
            SyncRun.objects.filter(pk=run.pk).update(
                lines_processed=F("lines_processed") + len(nodes),
                records_processed=F("records_processed") + repaired,
                updated_at=timezone.now(),
            )
    except Exception as exc:  # recorded for the admin, then re-raised for the task's retry
        SyncRun.objects.filter(pk=run.pk).update(
            status=Status.FAILED, error=str(exc)[:4000], finished_at=timezone.now()
        )
        raise
    SyncRun.objects.filter(pk=run.pk).update(
        status=Status.COMPLETED,
        watermark=end,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    run.refresh_from_db()
    if run.records_processed:
        logger.info("reconcile %s %s: %d repairs", shop.domain, resource, run.records_processed)
    return run
