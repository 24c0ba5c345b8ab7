"""Read a bulk operation's JSONL result into the mirrors, in committed batches that can resume.

Memory stays flat whatever the file size: the result is read chunk by chunk, each line is
parsed and mapped to its row as it is read (``shopify_app.sync.parse``, ``shopify_app.sync.rows``)
and at most ``READ_AHEAD`` + 2 batches of rows are held. Each batch is written in one
transaction together with the run's progress (``bytes_offset`` = the start of the next unread
line), so after a crash the import resumes exactly after the last committed batch and nothing
is lost or counted twice; re-reading a line is harmless anyway (the loads are upserts).

Two threads share the work, because Python's parsing and PostgreSQL's writing each take about
half of it: a reader thread parses and maps the next batches while this thread writes the
current one (``_read_ahead``). The reader never touches the database; batches are committed
here in file order, and an error the reader meets (a corrupt line, a broken download) is raised
here after the batches before it were committed, as if read in line. The reader mostly holds
the GIL while this thread mostly waits for PostgreSQL, which releases it; the reader also makes
each batch's COPY text (``load.prepare``), so this thread has little Python left to run.

After a run's first batch the mirrors it writes are ANALYZEd (``load.mirrors_analyze``):
statistics gathered before the shop had rows make every mirror lookup scan the whole shop.

Orders arrive as a parent line followed, not necessarily adjacently, by its line items
(``__parentId``). A batch keeps its orders in a dict by GID and attaches each line item to its
order while the order is still in the batch; a line item whose order was already committed (in
an earlier batch, or before a resume) is merged into that order's ``line_items`` by id
(``load.orders_load(late_line_items=…)``). Lines of an unknown type are counted and skipped.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from collections.abc import Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shopify_app.models import Customer, Order, Refund, Shop, SyncRun
from shopify_app.sync import load, rows
from shopify_app.sync.parse import iter_lines, parse_line

logger = logging.getLogger(__name__)

# Lines per committed batch: large enough that COPY and the per-statement cost are amortised,
# small enough that a batch is a fraction of a second of work and a few MB of memory.
BATCH_LINES = 10_000
# Batches the reader may have ready beyond the one being written. One is enough to keep both
# threads busy; more would only hold more memory.
READ_AHEAD = 1
# How often the threads may swap the GIL while the reader runs (Python's default: 5 ms). Each
# answer from PostgreSQL has to wait for the GIL, which the busy reader would otherwise keep for
# up to the whole interval: several statements per batch, so milliseconds of idle database.
SWITCH_INTERVAL = 0.0005
# How long an importer holds a run without committing before another worker may take it over.
LEASE = timedelta(minutes=2)


class LeaseLost(Exception):
    """Another worker took the run over (our lease expired); this importer must stop."""


@dataclass
class _Batch:
    lines: int = 0
    end_offset: int = 0
    customers: list[tuple] = field(default_factory=list)
    # By GID: the order's columns (``rows.order_tuple``) and its line items seen so far;
    # ``order_rows`` once the batch is complete (``finish``).
    orders: dict[str, tuple[tuple, list[bytes]]] = field(default_factory=dict)
    order_rows: list[tuple] = field(default_factory=list)
    refunds: list[tuple] = field(default_factory=list)
    late_line_items: list[tuple] = field(default_factory=list)
    skipped: int = 0

    def records(self) -> int:
        return len(self.customers) + len(self.order_rows)

    def finish(self) -> _Batch:
        """Complete the orders' rows with their line items and format every row for COPY (on
        the reader thread, like the rest of the mapping: the writing thread only sends bytes)."""
        orders = [rows.order_row(order, items) for order, items in self.orders.values()]
        self.orders = {}
        self.order_rows = load.prepare(orders)
        self.customers = load.prepare(self.customers)
        self.refunds = load.prepare(self.refunds)
        self.late_line_items = load.prepare(self.late_line_items)
        return self

    def skip_line(self, node: dict) -> None:
        self.skipped += 1

    def add_customer_line(self, node: dict) -> None:
        if "__parentId" in node:
            self.skipped += 1
        else:
            self.customers.append(rows.customer_tuple(node))

    def add_order_line(self, node: dict) -> None:
        parent: str | None = node.get("__parentId")
        if parent is None:
            self.orders[node.get("id") or ""] = (rows.order_tuple(node), [])
            self.refunds += rows.refund_tuples(node)
        elif "/LineItem/" in (node.get("id") or ""):
            waiting = self.orders.get(parent)
            if waiting is not None:
                waiting[1].append(rows.line_item_json(node))
            else:
                self.late_line_items.append(rows.late_line_item_tuple(parent, node))
        else:
            self.skipped += 1


@dataclass(frozen=True, slots=True)
class ImportProgress:
    finished: bool  # the stream is exhausted and everything is committed
    lines: int  # lines committed by this call


# The mirrors a run writes (their statistics are refreshed after its first batch).
_MIRRORS = {
    SyncRun.Resource.CUSTOMERS: (Customer,),
    SyncRun.Resource.ORDERS: (Order, Refund),
}

_ADD_LINE = {
    SyncRun.Resource.CUSTOMERS: _Batch.add_customer_line,
    SyncRun.Resource.ORDERS: _Batch.add_order_line,
}


def _batches(
    chunks: Iterable[bytes], *, resource: str, start_offset: int, batch_lines: int
) -> Iterator[_Batch]:
    """The stream's lines parsed and mapped, ``batch_lines`` lines per batch (no database)."""
    add = _ADD_LINE.get(resource, _Batch.skip_line)
    batch = _Batch(end_offset=start_offset)
    for line, end_offset in iter_lines(chunks, start_offset=start_offset):
        add(batch, parse_line(line, offset=end_offset))
        batch.lines += 1
        batch.end_offset = end_offset
        if batch.lines >= batch_lines:
            yield batch.finish()
            batch = _Batch(end_offset=end_offset)
    if batch.lines:
        yield batch.finish()


_END = object()


def _read_ahead(batches: Iterator[_Batch]) -> Generator[_Batch]:
    """``batches``, produced on a reader thread up to ``READ_AHEAD`` batches ahead.

    Closing this generator (the importer stops at its deadline or on an error) stops the reader
    at its next batch and waits for it, so no thread outlives the import and nothing reads the
    download once the importer has returned.
    """
    handoff: queue.Queue = queue.Queue(maxsize=READ_AHEAD)
    stop = threading.Event()

    def hand_over(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for batch in batches:
                if not hand_over(batch):
                    return
            end: object = _END
        # Not handled here: handed over in stream order and raised by the importer's thread
        # (whatever it is: the importer's thread waits for something to arrive).
        except BaseException as exc:
            end = exc
        hand_over(end)

    reader = threading.Thread(target=read, name="sync-import-reader", daemon=True)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
    reader.start()
    try:
        while True:
            item = handoff.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()
        sys.setswitchinterval(interval)


def _commit(*, run: SyncRun, shop: Shop, batch: _Batch, lease_attempt: int) -> None:
    """Write one batch and move the run's offset, in one transaction (LeaseLost rolls back)."""
    now = timezone.now()
    with transaction.atomic():
        if batch.customers:
            load.customers_load(shop=shop, rows=batch.customers, now=now)
        if batch.order_rows or batch.late_line_items:
            load.orders_load(
                shop=shop,
                rows=batch.order_rows,
                refunds=batch.refunds,
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
    chunks: Iterable[bytes],
    lease_attempt: int,
    deadline: float | None = None,
    batch_lines: int | None = None,
) -> ImportProgress:
    """Import the result file's bytes ``chunks`` (starting at ``run.bytes_offset``) in batches.

    Stops after the batch that crosses ``deadline`` (``time.monotonic()``), so a task can hand
    the rest to its next invocation. Raises ``LeaseLost`` if another worker took the run over,
    ``BulkResultCorrupt`` on a line Shopify would not write, and whatever reading ``chunks``
    raises; the batches before the failure stay committed.
    """
    batches = _batches(
        chunks,
        resource=run.resource,
        start_offset=run.bytes_offset,
        batch_lines=batch_lines or BATCH_LINES,
    )
    committed = 0
    with closing(_read_ahead(batches)) as ready:
        for batch in ready:
            _commit(run=run, shop=run.shop, batch=batch, lease_attempt=lease_attempt)
            if run.lines_processed + committed == 0:
                load.mirrors_analyze(models=_MIRRORS.get(run.resource, ()))
            committed += batch.lines
            if deadline is not None and time.monotonic() >= deadline:
                return ImportProgress(finished=False, lines=committed)
    return ImportProgress(finished=True, lines=committed)
