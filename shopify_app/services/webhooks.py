"""The webhook inbox: store a delivery durably, then process it through the handler registry.

Receiving (the web request, ``webhook_delivery_receive``): one ``INSERT … ON CONFLICT DO
NOTHING``. Either unique key makes a repeat a no-op: ``(shop, webhook_id)`` (Shopify's retry
of a delivery) and ``(shop, topic, event_id)`` (a second subscription to the same topic). The
processing task is enqueued on commit, so a worker never looks for a row that isn't there yet;
if the broker is down the row is still durable and the sweeper enqueues it later.

Processing (the worker, ``webhook_deliveries_process``): in one transaction, claim pending rows
with ``SELECT … FOR UPDATE SKIP LOCKED`` (the delivery the task was enqueued for first, then up
to ``batch`` other fresh pending rows, so a backlog drains with one commit per batch instead of
one per row), run each row's handlers inside a savepoint, and record the outcome on the row.
The row lock is the claim: two workers never process one row at once, and a worker killed
mid-batch leaves its rows pending and unlocked (its transaction dies with its connection) for a
redelivered message or the sweeper. Handler writes and the ``done`` mark commit together, so a
delivery's effects happen exactly once even though messages are delivered at least once.
"""

from __future__ import annotations

import json
import logging
import traceback
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.db import DataError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from shopify_app.models import Shop, WebhookDelivery
from shopify_app.webhooks.payloads import InvalidPayload
from shopify_app.webhooks.registry import handlers_for

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status

# A delivery whose handlers keep failing is retried this many times in all, then marked failed
# for an operator (Django admin → replay).
MAX_ATTEMPTS = 8
# Backoff between attempts: 10 s, 20 s, 40 s … capped at 30 min.
RETRY_BASE_SECONDS = 10
RETRY_MAX_SECONDS = 30 * 60
# Pending rows older than this have lost their message (or their worker): the sweeper
# re-enqueues them. Longer than a normal queue wait, shorter than Shopify's patience for data.
SWEEP_GRACE = timedelta(minutes=5)
SWEEP_LIMIT = 1000
# Extra fresh pending rows a worker takes along when it processes one.
PROCESS_BATCH = 50

_TABLE = WebhookDelivery._meta.db_table
_SHOP_TABLE = Shop._meta.db_table


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


class Receipt(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # a retry or a second subscription: already in the inbox
    UNKNOWN_SHOP = "unknown_shop"
    NOT_INSTALLED = "not_installed"


def webhook_delivery_receive(
    *,
    shop_domain: str,
    webhook_id: str,
    topic: str,
    api_version: str,
    event_id: str | None,
    triggered_at: datetime | None,
    body: str,
    accept_uninstalled: bool = False,
) -> Receipt:
    """Store one delivery in the inbox and enqueue its processing once it is committed.

    ``body`` is the verified raw JSON text (already checked to be an object); it is stored as
    is. The shop check and the insert are one statement (``INSERT … SELECT FROM shop WHERE
    installed … ON CONFLICT DO NOTHING``), committed on its own: the common path costs one
    round trip, and a row exists only for a known shop that is installed (or, with
    ``accept_uninstalled``, that was). Returns ``STORED``; or, writing nothing, ``DUPLICATE``,
    ``UNKNOWN_SHOP`` or ``NOT_INSTALLED``. Raises ``InvalidPayload`` when the database refuses
    the JSON (e.g. a NUL character, which ``jsonb`` cannot hold).
    """
    from shopify_app.tasks import webhook_delivery_process as webhook_delivery_process_task

    # PostgreSQL won't assign untyped text to jsonb/timestamptz columns from a SELECT list;
    # SQLite must not cast (it would turn the JSON into a number).
    json_cast, time_cast = (
        ("::jsonb", "::timestamptz") if connection.vendor == "postgresql" else ("", "")
    )
    adapt = connection.ops.adapt_datetimefield_value
    # Called inside a transaction (a test, a caller's atomic block) the statement gets a
    # savepoint, so a refused payload doesn't abort the outer transaction. In the web request
    # it runs in autocommit: one round trip, no BEGIN/COMMIT.
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with guard, connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_TABLE} (shop_id, webhook_id, topic, api_version, event_id,"  # noqa: S608
                " triggered_at, payload, status, attempts, last_error, received_at)"
                f" SELECT s.id, %s, %s, %s, %s, %s{time_cast}, %s{json_cast}, %s, 0, '',"
                f" %s{time_cast} FROM {_SHOP_TABLE} s WHERE s.domain = %s AND"
                " (%s OR (s.installed_at IS NOT NULL AND s.uninstalled_at IS NULL))"
                " ON CONFLICT DO NOTHING RETURNING id",
                [
                    webhook_id,
                    topic,
                    api_version,
                    event_id or None,
                    adapt(triggered_at),
                    body,
                    Status.PENDING,
                    adapt(timezone.now()),
                    shop_domain,
                    accept_uninstalled,
                ],
            )
            row = cursor.fetchone()
    except DataError as exc:
        raise InvalidPayload("the payload cannot be stored as JSON") from exc
    if row is not None:
        delivery_id = int(row[0])
        # Outside a transaction this runs at once (the INSERT is committed). robust: the row is
        # durable whatever the broker says, and the sweeper enqueues it if this fails.
        transaction.on_commit(lambda: webhook_delivery_process_task.delay(delivery_id), robust=True)
        return Receipt.STORED
    # The rare paths: find out why nothing was inserted.
    shop = Shop.objects.filter(domain=shop_domain).only("installed_at", "uninstalled_at").first()
    if shop is None:
        return Receipt.UNKNOWN_SHOP
    if not (shop.is_installed or accept_uninstalled):
        return Receipt.NOT_INSTALLED
    return Receipt.DUPLICATE


def _claim(*, delivery_id: int | None, batch: int) -> list[WebhookDelivery]:
    """Lock ``delivery_id`` (if still pending) and up to ``batch`` other fresh pending rows.

    Only rows never attempted join a batch: a row that failed before waits for its own
    (delayed) retry instead of being hammered by every busy worker.
    """
    claimed: list[WebhookDelivery] = []
    if delivery_id is not None:
        claimed += list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("shop")
            .filter(pk=delivery_id, status=Status.PENDING)
        )
    if batch > 0:
        others = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("shop")
            .filter(status=Status.PENDING, attempts=0)
            .exclude(pk=delivery_id)
            .order_by("pk")[:batch]
        )
        claimed += list(others)
    return claimed


def _run_handlers(delivery: WebhookDelivery) -> str:
    """Run the topic's handlers; the status the row ends in (done, or ignored when none)."""
    handlers = handlers_for(delivery.topic)
    if not handlers:
        logger.info("no handler for webhook topic %s; ignored", delivery.topic)
        return Status.IGNORED
    payload: dict[str, Any] = delivery.payload
    if isinstance(payload, str):  # SQLite returns the stored text of a raw insert
        payload = json.loads(payload)
    for handler in handlers:
        handler(shop=delivery.shop, payload=payload, delivery=delivery)
    return Status.DONE


def webhook_deliveries_process(
    *, delivery_id: int | None, batch: int = PROCESS_BATCH
) -> list[ProcessOutcome]:
    """Process ``delivery_id`` and up to ``batch`` other fresh pending deliveries.

    Writes: the handlers' effects and, on each claimed row, ``status`` (done, ignored, pending
    for a retry, or failed after ``MAX_ATTEMPTS`` or on an ``InvalidPayload``), ``attempts``,
    ``last_error`` and ``processed_at``. Rows already processed or locked by another worker are
    skipped, so running this twice for one id is harmless. Returns each claimed row's outcome;
    the caller schedules the retries.
    """
    outcomes: list[ProcessOutcome] = []
    with transaction.atomic():
        for delivery in _claim(delivery_id=delivery_id, batch=batch):
            attempts = delivery.attempts + 1
            error = ""
            try:
                with transaction.atomic():  # a savepoint: a failing row undoes only its writes
                    status = _run_handlers(delivery)
            except InvalidPayload as exc:
                status, error = Status.FAILED, f"invalid payload: {exc}"
            except Exception as exc:  # any handler bug must be recorded on the row, not lost
                error = "".join(traceback.format_exception_only(exc)).strip()
                status = Status.FAILED if attempts >= MAX_ATTEMPTS else Status.PENDING
                logger.warning(
                    "webhook %s (%s) attempt %d failed: %s",
                    delivery.pk,
                    delivery.topic,
                    attempts,
                    error,
                )
            now = timezone.now()
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=status,
                attempts=attempts,
                last_error=error[:4000],
                processed_at=now if status in (Status.DONE, Status.IGNORED) else None,
            )
            outcomes.append(ProcessOutcome(delivery.pk, status, attempts, error))
    return outcomes


def webhook_deliveries_stale(*, grace: timedelta = SWEEP_GRACE) -> list[int]:
    """Ids of pending deliveries that should have been processed by now, oldest first.

    A fresh row is stale ``grace`` after it was received; a row waiting for a retry only once
    its backoff delays so far have also passed, so the sweeper doesn't defeat the backoff.
    """
    now = timezone.now()
    waited = 0
    overdue = Q()
    for attempts in range(MAX_ATTEMPTS):
        if attempts:
            waited += retry_delay(attempts)
        cutoff = now - grace - timedelta(seconds=waited)
        overdue |= Q(attempts=attempts, received_at__lt=cutoff)
    return list(
        WebhookDelivery.objects.filter(overdue, status=Status.PENDING)
        .order_by("received_at")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )


def webhook_delivery_replay(*, delivery: WebhookDelivery) -> bool:
    """Put a failed (or ignored) delivery back to pending with fresh attempts; enqueue it.

    Used by the Django admin's replay action. Returns False (and writes nothing) when the row is
    pending or done: replaying a done delivery would apply its effects twice.
    """
    from shopify_app.tasks import webhook_delivery_process as webhook_delivery_process_task

    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(
            pk=delivery.pk, status__in=(Status.FAILED, Status.IGNORED)
        ).update(status=Status.PENDING, attempts=0, last_error="", processed_at=None)
        if updated:
            transaction.on_commit(
                lambda: webhook_delivery_process_task.delay(delivery.pk), robust=True
            )
    return bool(updated)
