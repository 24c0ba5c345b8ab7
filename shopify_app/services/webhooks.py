"""The webhook inbox: store a delivery durably, then process it through the handler registry.

Receiving (the web request, ``webhook_delivery_receive``): one ``INSERT … ON CONFLICT DO
NOTHING``. Either unique key makes a repeat a no-op: ``(shop, webhook_id)`` (Shopify's retry
of a delivery) and ``(shop, topic, event_id)`` (a second subscription to the same topic). After
the commit the intake asks for a drain (``webhook_drain_request``), so a worker never looks for
a row that isn't there yet; if the broker is down the row is still durable and the sweeper
enqueues it later.

Waking the workers (a debounced drain rather than one message per delivery): publishing a
Celery message costs the web request ~1 ms of CPU plus a broker round trip, as much as the
INSERT itself, and a burst of deliveries doesn't need one message each, since a worker claims
fresh rows in batches anyway. So the intake sets a Redis flag (``SET NX PX``, one cheap round
trip) and publishes a ``webhook_deliveries_drain`` message only when it set the flag. The drain
clears the flag *before* it claims anything and then claims until no fresh row is left. Why no
delivery is missed: a delivery checks the flag after its row is committed; if it finds the flag
set, the drain that will clear it has not cleared it yet, so that drain's claims (which come
after the clear) see the committed row; if it finds the flag clear, it publishes a drain
itself. The flag's expiry only matters when a drain message is lost (a broker restart): the
next delivery after it publishes again, and the sweeper catches the rest.

Processing (the worker, ``webhook_deliveries_process``): in one transaction, claim pending rows
with ``SELECT … FOR UPDATE SKIP LOCKED`` (the delivery the task was enqueued for first, then up
to ``batch`` other fresh pending rows, so a backlog drains with one commit per batch instead of
one per row), run the handlers, and record the outcome on the rows. Rows of a topic with
set-based handlers (the registry) are run together, per shop and topic, in one savepoint; if
that fails they are run again one by one, and otherwise each row runs in its own savepoint,
so a failing row undoes only its own writes.
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

import redis
from django.conf import settings
from django.db import DataError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from shopify_app.models import Shop, WebhookDelivery
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
# Pending rows older than this have lost their message (or their worker): the sweeper
# re-enqueues them. Longer than a normal queue wait, shorter than Shopify's patience for data.
SWEEP_GRACE = timedelta(minutes=5)
SWEEP_LIMIT = 1000
# Extra fresh pending rows a worker takes along when it processes one; a drain's batch.
PROCESS_BATCH = 50
# A drain stops after this many batches and hands the rest to a new message, so one task stays
# well under the Celery time limits and other tasks on the queue get their turn.
DRAIN_MAX_BATCHES = 20
# The "a drain is pending" flag. Its lifetime bounds how long deliveries rely on a drain message
# that was lost; a normal drain clears it within a queue wait.
DRAIN_PENDING_KEY = "shopify:webhook-drain-pending"
DRAIN_PENDING_TTL_MS = 5_000

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

    ``body`` is the verified raw JSON text of an object (the caller checked that it opens with
    ``{``); it is stored as is, without being parsed in Python. The shop check and the insert
    are one statement (``INSERT … SELECT FROM shop WHERE installed … ON CONFLICT DO NOTHING``),
    committed on its own: the common path costs one round trip, and a row exists only for a
    known shop that is installed (or, with ``accept_uninstalled``, that was). Returns
    ``STORED``; or, writing nothing, ``DUPLICATE``, ``UNKNOWN_SHOP`` or ``NOT_INSTALLED``.
    Raises ``InvalidPayload`` when the JSON is malformed or the database refuses it (e.g. a NUL
    character, which ``jsonb`` cannot hold).
    """
    # PostgreSQL won't assign untyped text to jsonb/timestamptz columns from a SELECT list;
    # its jsonb input is also what validates the JSON (a DataError when malformed). SQLite must
    # not cast (it would turn the JSON into a number) and stores any text: validate it here.
    if connection.vendor == "postgresql":
        json_cast, time_cast = "::jsonb", "::timestamptz"
    else:
        json_cast = time_cast = ""
        try:
            json.loads(body)
        except ValueError as exc:
            raise InvalidPayload("the payload is not valid JSON") from exc
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
        # Outside a transaction this runs at once (the INSERT is committed). robust: the row is
        # durable whatever Redis says, and the sweeper enqueues it if this fails.
        transaction.on_commit(webhook_drain_request, robust=True)
        return Receipt.STORED
    # The rare paths: find out why nothing was inserted.
    shop = Shop.objects.filter(domain=shop_domain).only("installed_at", "uninstalled_at").first()
    if shop is None:
        return Receipt.UNKNOWN_SHOP
    if not (shop.is_installed or accept_uninstalled):
        return Receipt.NOT_INSTALLED
    return Receipt.DUPLICATE


_redis_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _redis_client
    if _redis_client is None:
        # Short timeouts: this runs before the 200, and a slow Redis must not hold Shopify's
        # request (the row is already durable; the sweeper is the fallback).
        _redis_client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
    return _redis_client


def webhook_drain_request() -> None:
    """Make sure a drain runs after this point: publish one unless one is already pending.

    Called after a delivery's row is committed (see the module docstring for why a pending
    drain is enough). Raises ``redis.RedisError`` or the broker's error; callers log it.
    """
    from shopify_app.tasks import webhook_deliveries_drain as webhook_deliveries_drain_task

    if settings.CELERY_TASK_ALWAYS_EAGER:  # development without Redis: drain in-process
        webhook_deliveries_drain_task.delay()
        return
    if _redis().set(DRAIN_PENDING_KEY, "1", nx=True, px=DRAIN_PENDING_TTL_MS):
        webhook_deliveries_drain_task.delay()


def webhook_drain_started() -> None:
    """A drain is starting: clear the pending flag *before* it claims any row.

    Deliveries committed from now on publish a new drain; those committed before are visible to
    this drain's claims.
    """
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        _redis().delete(DRAIN_PENDING_KEY)


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


def _payload(delivery: WebhookDelivery) -> dict[str, Any]:
    payload: dict[str, Any] = delivery.payload
    if isinstance(payload, str):  # SQLite returns the stored text of a raw insert
        payload = json.loads(payload)
    return payload


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
        delivery.payload = _payload(delivery)
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
    """Process ``delivery_id`` and up to ``batch`` other fresh pending deliveries.

    Writes: the handlers' effects and, on each claimed row, ``status`` (done, ignored, pending
    for a retry, or failed after ``MAX_ATTEMPTS`` or on an ``InvalidPayload``), ``attempts``,
    ``last_error`` and ``processed_at``. Rows already processed or locked by another worker are
    skipped, so running this twice for one id is harmless. Returns each claimed row's outcome;
    the caller schedules the retries.
    """
    outcomes: list[ProcessOutcome] = []
    with transaction.atomic():
        finished: dict[str, list[int]] = {Status.DONE: [], Status.IGNORED: []}
        for group in _groups(_claim(delivery_id=delivery_id, batch=batch)):
            for delivery, (status, error) in zip(group, _process_group(group), strict=True):
                attempts = delivery.attempts + 1
                outcomes.append(ProcessOutcome(delivery.pk, status, attempts, error))
                if status in finished:
                    finished[status].append(delivery.pk)
                else:
                    WebhookDelivery.objects.filter(pk=delivery.pk).update(
                        status=status, attempts=attempts, last_error=error[:4000], processed_at=None
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
