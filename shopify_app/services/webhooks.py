"""The webhook inbox's processing: claim stored deliveries and run the handler registry on them.

Deliveries are stored and the workers woken by ``shopify_app.services.webhook_intake`` (the web
request's half, which says how a drain is never missed).

Rows stranded by a lost message (issue 15): each row keeps when it is next due
(``next_attempt_at``: its arrival, then the end of each retry's backoff), so no retry depends on
a broker message. Every worker publishes a drain whenever it (re)connects to the broker
(``config.celery.InboxDrainOnConnect``), and the beat sweeper, every few seconds, publishes
drains when a row has been due for ``STRANDED_AFTER`` without a worker holding it; when all is
well that is one probe of a partial index that holds only the pending rows.

Processing (the worker, ``webhook_deliveries_process``): in one transaction, claim pending rows
with ``SELECT … FOR UPDATE SKIP LOCKED`` (the delivery the task was enqueued for first, then up
to ``batch`` other due pending rows, so a backlog drains with one commit per batch instead of
one per row), run the handlers, and record the outcome on the rows. Rows of a topic with
set-based handlers (the registry) are run together, per shop and topic, in one savepoint; if
that fails they are run again one by one, and otherwise each row runs in its own savepoint,
so a failing row undoes only its own writes.
The row lock is the claim: two workers never process one row at once, and a worker killed
mid-batch leaves its rows pending and unlocked (its transaction dies with its connection) for a
redelivered message, a drain or the sweeper. Handler writes and the ``done`` mark commit
together, so a delivery's effects happen exactly once even though messages are delivered at
least once.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Min
from django.db.models.functions import Now
from django.utils import timezone

from shopify_app.models import WebhookDelivery
from shopify_app.webhooks.locks import deliveries_links_lock
from shopify_app.webhooks.payloads import InvalidPayload
from shopify_app.webhooks.registry import batch_handler_for, handlers_for, has_batch_handlers

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status

# A delivery whose handlers keep failing is retried this many times in all, then marked failed
# for an operator (Django admin → replay).
MAX_ATTEMPTS = 8
# Backoff between attempts: 10 s, 20 s, 40 s … capped at 30 min.
RETRY_BASE_SECONDS = 10
RETRY_MAX_SECONDS = 30 * 60
# A pending row due this long ago that no worker holds has lost its wake-up (a drain or retry
# message lost with the broker, a killed worker): the sweeper, every few seconds, publishes
# drains for it. Longer than a drain takes to reach a fresh row; short enough that, with the
# sweep's period, a stranded row is processed well within 30 s (issue 15).
STRANDED_AFTER = timedelta(seconds=10)
# A due delivery still pending after this long means processing is not keeping up: workers of the
# webhooks queue dead or silent (the heartbeat only shows the batch queue's), or a backlog the
# workers cannot drain. /healthz reports ``"inbox": "behind"`` and the admin's inbox warns.
INBOX_OVERDUE_MAX_S = 60.0
SWEEP_LIMIT = 1000
# Drains the sweeper publishes at most per run (one per batch of stranded rows): each fans out
# further while it finds full batches.
SWEEP_MAX_DRAINS = 4
# Inbox rows are deleted this long after they were received (``webhook_deliveries_prune``,
# daily). Their bodies hold customers' personal data, which ``customers/redact`` obliges us to
# erase within 30 days of the request: 28 days plus a day's delay of the job erases every body
# received before a request in time, without searching bodies for the customer. Far beyond
# Shopify's retries (4 hours), so deduplication is unaffected, and long enough for an operator
# to look at and replay a failure.
RETENTION = timedelta(days=28)
PRUNE_BATCH = 5_000
# Extra due pending rows a worker takes along when it processes one; a drain's batch.
PROCESS_BATCH = 50
# A drain stops after this many batches and hands the rest to a new message, so one task stays
# well under the Celery time limits and other tasks on the queue get their turn.
DRAIN_MAX_BATCHES = 20

_TABLE = WebhookDelivery._meta.db_table


@dataclass(frozen=True, slots=True)
class ProcessOutcome:
    delivery_id: int
    status: str
    attempts: int
    error: str = ""

    @property
    def retry(self) -> bool:
        """Still pending after a failed attempt: the task schedules another."""
        return self.status == Status.PENDING and bool(self.error)


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt of a delivery that has failed ``attempts`` times."""
    return min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def _claim(*, delivery_id: int | None, batch: int) -> list[WebhookDelivery]:
    """Lock ``delivery_id`` (if still pending) and up to ``batch`` other due pending rows.

    Due: ``next_attempt_at`` has passed, on the database's clock (the one that set it). A row
    that failed waits out its backoff before any batch takes it again; after that any drain
    does, so a lost retry message delays nothing. Longest due first (the index's order).
    """
    claimed: list[WebhookDelivery] = []
    if delivery_id is not None:
        claimed += list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("shop")
            .filter(pk=delivery_id, status=Status.PENDING)
        )
    if batch > 0:
        others = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("shop")
            .filter(status=Status.PENDING, next_attempt_at__lte=Now())
            .exclude(pk=delivery_id)
            .order_by("next_attempt_at", "pk")[:batch]
        )
        claimed += list(others)
    return claimed


def _payload(delivery: WebhookDelivery) -> dict[str, Any]:
    try:
        return delivery.payload
    except ValueError as exc:  # only rows written around the intake can get here
        raise InvalidPayload("the stored body is not a JSON object") from exc


def _run_handlers(delivery: WebhookDelivery) -> str:
    """Run the topic's handlers; the status the row ends in (done, or ignored when none)."""
    handlers = handlers_for(delivery.topic)
    if not handlers:
        logger.info("no handler for webhook topic %s; ignored", delivery.topic)
        return Status.IGNORED
    payload = _payload(delivery)
    for handler in handlers:
        handler(shop=delivery.shop, payload=payload, delivery=delivery)
    return Status.DONE


def _groups(claimed: list[WebhookDelivery]) -> list[list[WebhookDelivery]]:
    """Claimed rows grouped by shop and topic where the topic has set-based handlers (each
    group where its first row was); every other row on its own, in place."""
    groups: dict[object, list[WebhookDelivery]] = {}
    for delivery in claimed:
        key = (delivery.shop_id, delivery.topic) if has_batch_handlers(delivery.topic) else delivery
        groups.setdefault(key, []).append(delivery)
    return list(groups.values())


def _run_group(group: list[WebhookDelivery]) -> None:
    """Run a topic's handlers over a group of one shop's deliveries (see the registry)."""
    shop, topic = group[0].shop, group[0].topic
    for delivery in group:
        _payload(delivery)  # parsed (and cached on the row) before any handler runs
    for handler in handlers_for(topic):
        batch_handler = batch_handler_for(topic, handler)
        if batch_handler is not None:
            batch_handler(shop=shop, deliveries=group)
        else:
            for delivery in group:
                handler(shop=shop, payload=delivery.payload, delivery=delivery)


def _process_one(delivery: WebhookDelivery) -> tuple[str, str]:
    """Run one row's handlers in a savepoint: (status, error)."""
    attempts = delivery.attempts + 1
    try:
        with transaction.atomic():  # a savepoint: a failing row undoes only its writes
            return _run_handlers(delivery), ""
    except InvalidPayload as exc:
        return Status.FAILED, f"invalid payload: {exc}"
    except Exception as exc:  # any handler bug must be recorded on the row, not lost
        error = "".join(traceback.format_exception_only(exc)).strip()
        logger.warning(
            "webhook %s (%s) attempt %d failed: %s", delivery.pk, delivery.topic, attempts, error
        )
        return (Status.FAILED if attempts >= MAX_ATTEMPTS else Status.PENDING), error


def _process_group(group: list[WebhookDelivery]) -> list[tuple[str, str]]:
    """(status, error) of each row of a group: all done by its set-based handlers in one
    savepoint, or, if that fails (or the topic has none), each row on its own."""
    if has_batch_handlers(group[0].topic):
        try:
            with transaction.atomic():
                _run_group(group)
            return [(Status.DONE, "")] * len(group)
        except Exception:  # the bad row is found (and recorded) by running them one by one
            logger.info(
                "webhook batch of %d %s failed; processing them one by one",
                len(group),
                group[0].topic,
                exc_info=True,
            )
    return [_process_one(delivery) for delivery in group]


def webhook_deliveries_process(
    *, delivery_id: int | None, batch: int = PROCESS_BATCH
) -> list[ProcessOutcome]:
    """Process ``delivery_id`` and up to ``batch`` other due pending deliveries.

    Writes: the handlers' effects and, on each claimed row, ``status`` (done, ignored, pending
    for a retry, or failed after ``MAX_ATTEMPTS`` or on an ``InvalidPayload``), ``attempts``,
    ``last_error`` and ``processed_at``. Rows already processed or locked by another worker are
    skipped, so running this twice for one id is harmless. Returns each claimed row's outcome;
    the caller schedules the retries.
    """
    outcomes: list[ProcessOutcome] = []
    with transaction.atomic():
        finished: dict[str, list[int]] = {Status.DONE: [], Status.IGNORED: []}
        claimed = _claim(delivery_id=delivery_id, batch=batch)
        # Everything the batch will lock, in one global order, before its first write: two
        # batches with crossing orders queue here instead of deadlocking midway.
        deliveries_links_lock(deliveries=claimed)
        for group in _groups(claimed):
            for delivery, (status, error) in zip(group, _process_group(group), strict=True):
                attempts = delivery.attempts + 1
                outcomes.append(ProcessOutcome(delivery.pk, status, attempts, error))
                if status in finished:
                    finished[status].append(delivery.pk)
                else:
                    WebhookDelivery.objects.filter(pk=delivery.pk).update(
                        status=status,
                        attempts=attempts,
                        last_error=error[:4000],
                        processed_at=None,
                        next_attempt_at=_db_now_plus(seconds=retry_delay(attempts)),
                    )
        # Finished rows are marked in one statement per status (a row's attempts is read under
        # its claim lock, so F() + 1 is the count reported in its outcome).
        now = timezone.now()
        for status, ids in finished.items():
            if ids:
                WebhookDelivery.objects.filter(pk__in=ids).update(
                    status=status, attempts=F("attempts") + 1, last_error="", processed_at=now
                )
    return outcomes


def _db_now_plus(**delta: float) -> ExpressionWrapper:
    """The database's ``now()`` plus ``delta``: the clock ``next_attempt_at`` is kept on."""
    return ExpressionWrapper(Now() + timedelta(**delta), output_field=DateTimeField())


def webhook_deliveries_stranded(
    *, now: datetime | None = None, limit: int = SWEEP_LIMIT
) -> list[int]:
    """Ids of stranded deliveries, longest due first: pending, due more than
    ``STRANDED_AFTER`` before ``now`` (the database's clock by default), and held by no worker.

    A row waiting out a retry's backoff is not due, so the sweeper never defeats the backoff.
    A row a worker is processing is locked and skipped. When all is well this is one probe of
    an index holding only the pending rows, and finds nothing.
    """
    cutoff = (
        now - STRANDED_AFTER
        if now is not None
        else ExpressionWrapper(Now() - STRANDED_AFTER, output_field=DateTimeField())
    )
    with transaction.atomic():
        return list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, next_attempt_at__lt=cutoff)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )


def inbox_overdue_seconds() -> float:
    """How long the oldest due pending delivery has waited past its due time, in seconds (0 for
    an inbox with nothing overdue), on the database's clock. Across shops: it is the inbox's
    health, for /healthz and the Django admin. One probe of the pending-rows index."""
    overdue = WebhookDelivery.objects.filter(status=Status.PENDING).aggregate(
        overdue=ExpressionWrapper(Now() - Min("next_attempt_at"), output_field=DurationField())
    )["overdue"]
    return max(overdue.total_seconds(), 0.0) if overdue is not None else 0.0


def webhook_deliveries_prune(*, now: datetime | None = None) -> int:
    """Delete the inbox rows received more than ``RETENTION`` ago, whatever their status.

    In batches, each its own short transaction, so a large backlog never holds long locks.
    Returns the number of rows deleted.
    """
    cutoff = (now or timezone.now()) - RETENTION
    deleted = 0
    while True:
        ids = list(
            WebhookDelivery.objects.filter(received_at__lt=cutoff).values_list("pk", flat=True)[
                :PRUNE_BATCH
            ]
        )
        if not ids:
            return deleted
        deleted += WebhookDelivery.objects.filter(pk__in=ids).delete()[0]


def webhook_delivery_replay(*, delivery: WebhookDelivery) -> bool:
    """Put a failed (or ignored) delivery back to pending with fresh attempts; enqueue it.

    Used by the Django admin's replay action. Returns False (and writes nothing) when the row is
    pending or done: replaying a done delivery would apply its effects twice.
    """
    from shopify_app.tasks import webhook_delivery_process as webhook_delivery_process_task

    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(
            pk=delivery.pk, status__in=(Status.FAILED, Status.IGNORED)
        ).update(
            status=Status.PENDING,
            attempts=0,
            last_error="",
            processed_at=None,
            next_attempt_at=Now(),
        )
        if updated:
            transaction.on_commit(
                lambda: webhook_delivery_process_task.delay(delivery.pk), robust=True
            )
    return bool(updated)
