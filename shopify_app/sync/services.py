"""The initial sync: one bulk operation per resource, imported into the mirrors with progress.

Steps of a ``SyncRun`` (each a task, each safe to run twice):

1. ``sync_initial_start`` (post-install hook): one run per resource, ``pending``. The partial
   unique constraint ``syncrun_one_active`` makes a second start find the active run instead.
2. ``sync_run_start``: ``bulkOperationRunQuery`` with ``groupObjects: false``; the run becomes
   ``running`` with the operation's GID. Shopify may refuse while other operations run
   (``LIMIT_REACHED``): the task retries later. A start whose worker died after Shopify
   accepted the operation left it orphaned: the retry adopts it (``bulkOperations``) rather
   than start a second one.
3. ``sync_run_check`` (on ``bulk_operations/finish``, by a polling countdown, or by the sweeper
   when both were lost): ``bulkOperation(id:)``; COMPLETED → ``importing``; FAILED, CANCELED or
   EXPIRED → ``failed`` with Shopify's error code.
4. ``sync_run_import``: claims a lease on the run, streams the result file from its
   ``bytes_offset`` (HTTP ``Range``; if the server ignores it the bytes before the offset are
   skipped) and commits batches with their offset (``importer``). A slice stops after its time
   budget and the task continues it, so no task outlives Celery's time limit; a killed worker's
   lease expires and the sweeper hands the run to another, which resumes at the offset.
   At the end, orders still waiting for a customer are linked and the run is ``completed`` —
   or ``failed`` if fewer lines arrived than Shopify counted.

Shopify is never called inside a transaction: each network call happens before the writes it
leads to, and the download is read between batch commits.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from shopify_app import admin_api, http
from shopify_app.exceptions import ShopifyHttpError, ShopifyRetriableError
from shopify_app.graphql import sync as documents
from shopify_app.models import Shop, SyncRun
from shopify_app.sync import load
from shopify_app.sync.importer import LEASE, LeaseLost, import_records
from shopify_app.sync.parse import BulkResultCorrupt

logger = logging.getLogger(__name__)

Status = SyncRun.Status
Resource = SyncRun.Resource

BULK_QUERIES = {
    Resource.CUSTOMERS: documents.CUSTOMERS_BULK_QUERY,
    Resource.ORDERS: documents.ORDERS_BULK_QUERY,
}
# Statuses of an operation worth adopting: it runs, or its result is there to read.
ADOPTABLE = ("CREATED", "RUNNING", "COMPLETED")
# How far before the run's creation an orphaned operation may have been created (our clock
# and Shopify's disagree a little; the run exists before its operation is started).
ADOPT_SKEW = timedelta(minutes=5)
# Download chunk: big enough for few reads, small enough to keep memory flat.
DOWNLOAD_CHUNK = 1 << 20
# An active run untouched for this long has lost its message (or its worker): the sweeper
# enqueues its next step again.
STALL_AFTER = timedelta(minutes=3)


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    status: str  # the run's status afterwards
    more: bool  # the slice ended before the file did: continue it


def sync_initial_start(*, shop: Shop) -> list[SyncRun]:
    """Create the shop's initial-sync runs (customers, orders) and enqueue their start on commit.

    Writes one ``pending`` SyncRun per resource that has no active initial run. Idempotent: an
    active run (from an earlier call, or a concurrent one that won the unique constraint) is
    returned as is. A reinstall after a finished sync starts a fresh one; the import is an
    upsert, so it only refreshes what changed while the app was away.
    """
    from shopify_app.sync.tasks import sync_run_start as sync_run_start_task

    runs: list[SyncRun] = []
    for resource in BULK_QUERIES:
        with transaction.atomic():
            active = SyncRun.objects.filter(
                shop=shop, kind=SyncRun.Kind.INITIAL, resource=resource,
                status__in=SyncRun.ACTIVE_STATUSES,
            ).first()  # fmt: skip
            if active is None:
                try:
                    with transaction.atomic():
                        active = SyncRun.objects.create(
                            shop=shop, kind=SyncRun.Kind.INITIAL, resource=resource
                        )
                except IntegrityError:  # a concurrent start created it first
                    active = SyncRun.objects.get(
                        shop=shop, kind=SyncRun.Kind.INITIAL, resource=resource,
                        status__in=SyncRun.ACTIVE_STATUSES,
                    )  # fmt: skip
                else:
                    run_id = active.pk
                    transaction.on_commit(lambda run_id=run_id: sync_run_start_task.delay(run_id))
            runs.append(active)
    return runs


def sync_run_fail(*, run: SyncRun, error: str) -> None:
    """Mark an active run failed with ``error`` (shown in the admin). No-op once it finished."""
    _fail(run, error)


def _fail(run: SyncRun, error: str, *, from_status: str | None = None) -> None:
    now = timezone.now()
    runs = SyncRun.objects.filter(pk=run.pk, status__in=SyncRun.ACTIVE_STATUSES)
    if from_status is not None:
        runs = runs.filter(status=from_status)
    runs.update(
        status=Status.FAILED, error=error[:4000], finished_at=now, lease_expires_at=None,
        updated_at=now,
    )  # fmt: skip
    logger.warning("sync run %s failed: %s", run.pk, error)


def sync_run_start(*, run: SyncRun) -> SyncRun:
    """Start the run's bulk operation at Shopify; the run becomes ``running``.

    Writes ``bulk_operation_id``, ``status``, ``started_at`` and ``watermark`` (the operation's
    ``createdAt``: changes after it are reconciliation's). Does nothing unless the run is
    ``pending``. A shop no longer installed fails the run. Raises ``ShopifyUserErrors`` when
    Shopify refuses (e.g. ``LIMIT_REACHED``) and the admin client's errors; the task retries.
    If a worker died after Shopify accepted the run's operation but before this committed, that
    operation is adopted (``_orphaned_operation``) instead of starting a second one.
    """
    run = SyncRun.objects.select_related("shop").get(pk=run.pk)
    if run.status != Status.PENDING:
        return run
    if not run.shop.is_installed:
        _fail(run, "the app is not installed on the shop")
        run.refresh_from_db()
        return run
    operation = _orphaned_operation(run)
    if operation is None:
        payload = admin_api.mutate(
            shop=run.shop,
            document=documents.BULK_OPERATION_RUN_QUERY,
            variables={"query": BULK_QUERIES[run.resource]},
            field="bulkOperationRunQuery",
        )
        operation = payload["bulkOperation"]
    else:
        logger.warning("sync run %s adopts bulk operation %s", run.pk, operation["id"])
    now = timezone.now()
    SyncRun.objects.filter(pk=run.pk, status=Status.PENDING).update(
        bulk_operation_id=operation["id"],
        status=Status.RUNNING,
        started_at=now,
        watermark=_timestamp(operation.get("createdAt")) or now,
        error="",
        updated_at=now,
    )
    run.refresh_from_db()
    return run


_OPERATION_NAME = re.compile(r"\bquery\s+(\w+)")


def _operation_name(query: str | None) -> str | None:
    match = _OPERATION_NAME.search(query or "")
    return match.group(1) if match else None


def _orphaned_operation(run: SyncRun) -> dict | None:
    """A bulk operation Shopify runs (or ran) for this run although the run never recorded it.

    Ours: a query operation of this run's resource (its query's operation name, e.g.
    ``SyncCustomersBulk``), created since the run was (less ``ADOPT_SKEW`` for clock skew),
    not failed or cancelled, and recorded by no other run of the shop (a finished earlier sync
    keeps its own). Reads only.
    """
    since = (run.created_at - ADOPT_SKEW).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    data = admin_api.execute(
        shop=run.shop,
        document=documents.BULK_OPERATIONS_RECENT,
        variables={"query": f"operation_type:query created_at:>='{since}'"},
    )
    wanted = _operation_name(BULK_QUERIES[run.resource])
    candidates = [
        node
        for node in data["bulkOperations"]["nodes"]
        if node["status"] in ADOPTABLE and _operation_name(node.get("query")) == wanted
    ]
    recorded = set(
        SyncRun.objects.filter(
            shop=run.shop, bulk_operation_id__in=[node["id"] for node in candidates]
        ).values_list("bulk_operation_id", flat=True)
    )
    return next((node for node in candidates if node["id"] not in recorded), None)


def _timestamp(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _bulk_operation(run: SyncRun) -> dict | None:
    data = admin_api.execute(
        shop=run.shop, document=documents.BULK_OPERATION, variables={"id": run.bulk_operation_id}
    )
    return data.get("bulkOperation")


def sync_run_check(*, run: SyncRun) -> SyncRun:
    """Ask Shopify how the run's bulk operation is doing and move the run on.

    COMPLETED → ``importing`` (with Shopify's ``objectCount`` and ``fileSize``); FAILED,
    CANCELED, EXPIRED or an unknown operation → ``failed`` with the reason. Still running →
    unchanged. Only acts on a ``running`` run, so a repeated or late check is harmless.
    """
    run = SyncRun.objects.select_related("shop").get(pk=run.pk)
    if run.status != Status.RUNNING:
        return run
    operation = _bulk_operation(run)
    if operation is None:
        missing = f"Shopify has no bulk operation {run.bulk_operation_id}"
        _fail(run, missing, from_status=Status.RUNNING)
    elif operation["status"] == "COMPLETED":
        now = timezone.now()
        SyncRun.objects.filter(pk=run.pk, status=Status.RUNNING).update(
            status=Status.IMPORTING,
            object_count=int(operation.get("objectCount") or 0),
            file_size=int(operation["fileSize"]) if operation.get("fileSize") else None,
            updated_at=now,
        )
    elif operation["status"] in ("FAILED", "CANCELED", "EXPIRED"):
        reason = f"bulk operation {operation['status'].lower()}"
        if operation.get("errorCode"):
            reason += f" ({operation['errorCode']})"
        _fail(run, reason, from_status=Status.RUNNING)
    run.refresh_from_db()
    return run


def _claim(run: SyncRun) -> SyncRun | None:
    """Take the import lease on ``run`` (free, or expired); None if another importer holds it.

    ``attempts`` is bumped with the claim and every batch commit checks it, so an importer
    whose lease expired and was taken over cannot write another batch (a fencing token).
    """
    now = timezone.now()
    claimed = (
        SyncRun.objects.filter(pk=run.pk, status=Status.IMPORTING)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .update(lease_expires_at=now + LEASE, attempts=F("attempts") + 1, updated_at=now)
    )
    if not claimed:
        return None
    return SyncRun.objects.select_related("shop").get(pk=run.pk)


def _release(run: SyncRun) -> None:
    SyncRun.objects.filter(pk=run.pk, attempts=run.attempts).update(lease_expires_at=None)


def _result_chunks(url: str, *, offset: int) -> Iterator[bytes]:
    """The result file from byte ``offset``, in chunks, streamed (never held whole).

    The request is made here, at once; only the body is read lazily, by the importer's reader
    thread (in tests devshop answers in-process, and its view must see this thread's
    transaction). Asks for ``Range: bytes=<offset>-``; a server that ignores it (200) has the
    first ``offset`` bytes dropped here. ``identity`` encoding keeps byte offsets those of the
    file. Raises ``ShopifyRetriableError`` on 5xx and dropped connections, ``ShopifyHttpError``
    on other failures (an expired URL: 403/404).
    """
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        response = http.session.get(url, headers=headers, stream=True, timeout=http.TIMEOUT)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise ShopifyRetriableError(f"bulk result unreachable: {type(exc).__name__}") from exc
    if response.status_code == 416:  # the offset is the end of the file
        response.close()
        return iter(())
    if response.status_code not in (200, 206):
        response.close()
        error = ShopifyRetriableError if response.status_code >= 500 else ShopifyHttpError
        raise error(f"bulk result answered {response.status_code}", status=response.status_code)
    return _body_chunks(response, skip=offset if response.status_code == 200 else 0)


def _body_chunks(response: requests.Response, *, skip: int) -> Iterator[bytes]:
    """``response``'s body less its first ``skip`` bytes; the response is closed at the end."""
    with response:
        try:
            for chunk in response.iter_content(chunk_size=DOWNLOAD_CHUNK):
                if skip:
                    if len(chunk) <= skip:
                        skip -= len(chunk)
                        continue
                    chunk = chunk[skip:]
                    skip = 0
                yield chunk
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise ShopifyRetriableError(f"bulk result download broke: {exc}") from exc


def _finish(run: SyncRun) -> str:
    """Link orders to customers, then close the run (failed if lines went missing)."""
    now = timezone.now()
    with transaction.atomic():
        load.orders_link_customers(shop=run.shop)
        done = SyncRun.objects.select_for_update().get(pk=run.pk)
        if done.attempts != run.attempts or done.status != Status.IMPORTING:
            raise LeaseLost(f"sync run {run.pk} was taken over")
        expected = done.object_count
        if expected is not None and done.lines_processed < expected:
            done.status = Status.FAILED
            done.error = f"the result ended after {done.lines_processed} of {expected} objects"
        else:
            done.status = Status.COMPLETED
        done.finished_at = now
        done.lease_expires_at = None
        done.save(
            update_fields=["status", "error", "finished_at", "lease_expires_at", "updated_at"]
        )
    return done.status


def sync_run_import(*, run: SyncRun, budget_seconds: float | None = None) -> ImportOutcome:
    """Import the run's result from its stored offset for up to ``budget_seconds``.

    Writes mirror rows and the run's progress batch by batch (see ``importer``), then the final
    status. Returns whether more remains. A run not ``importing``, or leased by another live
    importer, is left alone. A corrupt result fails the run; download errors propagate
    (``ShopifyRetriableError``: the task retries and resumes at the committed offset).
    """
    claimed = _claim(run)
    if claimed is None:
        current = SyncRun.objects.get(pk=run.pk)
        return ImportOutcome(status=current.status, more=False)
    run = claimed
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    try:
        operation = _bulk_operation(run)  # a fresh URL: Shopify's expire after 7 days
        url = (operation or {}).get("url")
        if url:
            progress = import_records(
                run=run,
                chunks=_result_chunks(url, offset=run.bytes_offset),
                lease_attempt=run.attempts,
                deadline=deadline,
            )
            if not progress.finished:
                _release(run)
                return ImportOutcome(status=Status.IMPORTING, more=True)
        return ImportOutcome(status=_finish(run), more=False)
    except LeaseLost:
        logger.warning("sync run %s: lease lost to another importer", run.pk)
        return ImportOutcome(status=Status.IMPORTING, more=False)
    except BulkResultCorrupt as exc:
        _fail(run, f"corrupt bulk result: {exc}")
        return ImportOutcome(status=Status.FAILED, more=False)
    except Exception:
        _release(run)  # let the retry (or the sweeper) resume at once instead of after the lease
        raise


def sync_bulk_operation_finished(*, shop: Shop, bulk_operation_id: str) -> list[int]:
    """``bulk_operations/finish``: the ids of this shop's running runs for that operation.

    Reads only; the handler enqueues a check for each on commit (the webhook says the operation
    finished, not where its file is: ``sync_run_check`` asks Shopify).
    """
    return list(
        SyncRun.objects.filter(
            shop=shop, bulk_operation_id=bulk_operation_id, status=Status.RUNNING
        ).values_list("pk", flat=True)
    )


def sync_runs_stalled(*, now: datetime | None = None) -> list[tuple[int, str]]:
    """Active initial runs nobody has touched for ``STALL_AFTER``, with their status.

    ``importing`` runs count only once their lease has expired (a live importer renews it).
    """
    now = now or timezone.now()
    stale = SyncRun.objects.filter(
        kind=SyncRun.Kind.INITIAL, status__in=SyncRun.ACTIVE_STATUSES,
        updated_at__lt=now - STALL_AFTER,
    ).filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))  # fmt: skip
    return list(stale.order_by("pk").values_list("pk", "status")[:1000])
