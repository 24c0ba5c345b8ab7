"""Read a bulk operation's JSONL result into the mirrors, in committed batches that can resume.

Memory stays flat whatever the file size: lines are parsed one at a time
(``shopify_app.sync.parse``) and at most one batch of rows is held. Each batch is written in one
transaction together with the run's progress (``bytes_offset`` = the start of the next unread
line), so after a crash the import resumes exactly after the last committed batch and nothing
is lost or counted twice; re-reading a line is harmless anyway (the loads are upserts).

Orders arrive as a parent line followed, not necessarily adjacently, by its line items
(``__parentId``). A batch keeps its orders in a dict by GID and attaches each line item to its
order while the order is still in the batch; a line item whose order was already committed (in
an earlier batch, or before a resume) is merged into that order's ``line_items`` by id
(``load.orders_load(late_line_items=…)``). Lines of an unknown type are counted and skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shopify_app.models import Shop, SyncRun
from shopify_app.sync import load, rows
from shopify_app.sync.parse import JsonlRecord

logger = logging.getLogger(__name__)

# Lines per committed batch: large enough that COPY and the per-statement cost are amortised,
# small enough that a batch is a fraction of a second of work and a few MB of memory.
BATCH_LINES = 10_000
# How long an importer holds a run without committing before another worker may take it over.
LEASE = timedelta(minutes=2)


class LeaseLost(Exception):
    """Another worker took the run over (our lease expired); this importer must stop."""


@dataclass
class _Batch:
    lines: int = 0
    end_offset: int = 0
    customers: list[tuple] = field(default_factory=list)
    orders: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = field(default_factory=dict)
    late_line_items: list[tuple] = field(default_factory=list)
    skipped: int = 0

    def records(self) -> int:
        return len(self.customers) + len(self.orders)


@dataclass(frozen=True, slots=True)
class ImportProgress:
    finished: bool  # the stream is exhausted and everything is committed
    lines: int  # lines committed by this call


def _commit(*, run: SyncRun, shop: Shop, batch: _Batch, lease_attempt: int) -> None:
    """Write one batch and move the run's offset, in one transaction (LeaseLost rolls back)."""
    now = timezone.now()
    with transaction.atomic():
        if batch.customers:
            load.customers_load(shop=shop, rows=batch.customers, now=now)
        if batch.orders or batch.late_line_items:
            order_rows: list[tuple] = []
            refund_rows: list[tuple] = []
            for node, line_items in batch.orders.values():
                order_rows.append(rows.order_tuple(node, line_items))
                refund_rows += rows.refund_tuples(node)
            load.orders_load(
                shop=shop,
                rows=order_rows,
                refunds=refund_rows,
                late_line_items=batch.late_line_items,
                now=now,
            )
        moved = SyncRun.objects.filter(
            pk=run.pk, status=SyncRun.Status.IMPORTING, attempts=lease_attempt
        ).update(
            bytes_offset=batch.end_offset,
            lines_processed=F("lines_processed") + batch.lines,
            records_processed=F("records_processed") + batch.records(),
            lease_expires_at=now + LEASE,
            updated_at=now,
        )
        if not moved:
            raise LeaseLost(f"sync run {run.pk} was taken over")
    if batch.skipped:
        logger.warning("sync run %s skipped %d lines of unknown type", run.pk, batch.skipped)


def import_records(
    *,
    run: SyncRun,
    records: Iterable[JsonlRecord],
    lease_attempt: int,
    deadline: float | None = None,
    batch_lines: int | None = None,
) -> ImportProgress:
    """Import ``records`` (a stream starting at ``run.bytes_offset``) in committed batches.

    Stops after the batch that crosses ``deadline`` (``time.monotonic()``), so a task can hand
    the rest to its next invocation. Raises ``LeaseLost`` if another worker took the run over,
    ``BulkResultCorrupt`` on a line Shopify would not write.
    """
    batch_lines = batch_lines or BATCH_LINES
    shop = run.shop
    resource = run.resource
    batch = _Batch(end_offset=run.bytes_offset)
    committed = 0
    for record in records:
        obj = record.obj
        gid: str = obj.get("id") or ""
        parent: str | None = obj.get("__parentId")
        if resource == SyncRun.Resource.CUSTOMERS and parent is None:
            batch.customers.append(rows.customer_tuple(obj))
        elif resource == SyncRun.Resource.ORDERS and parent is None:
            batch.orders[gid] = (obj, [])
        elif resource == SyncRun.Resource.ORDERS and parent and "/LineItem/" in gid:
            waiting = batch.orders.get(parent)
            if waiting is not None:
                waiting[1].append(rows.line_item(obj))
            else:
                batch.late_line_items.append(rows.late_line_item_tuple(parent, obj))
        else:
            batch.skipped += 1
        batch.lines += 1
        batch.end_offset = record.end_offset
        if batch.lines >= batch_lines:
            _commit(run=run, shop=shop, batch=batch, lease_attempt=lease_attempt)
            committed += batch.lines
            batch = _Batch(end_offset=batch.end_offset)
            if deadline is not None and time.monotonic() >= deadline:
                return ImportProgress(finished=False, lines=committed)
    if batch.lines:
        _commit(run=run, shop=shop, batch=batch, lease_attempt=lease_attempt)
        committed += batch.lines
    return ImportProgress(finished=True, lines=committed)
