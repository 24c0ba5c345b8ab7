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
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

import orjson
import psycopg
import redis
from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper, F
from django.db.models.functions import Now
from django.utils import timezone

from shopify_app.batching import Batcher
from shopify_app.models import Shop, WebhookDelivery
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
    body: bytes,
    accept_uninstalled: bool = False,
) -> Receipt:
    """Store one delivery in the inbox and enqueue its processing once it is committed.

    ``body`` is the verified raw body; it must be a JSON object (checked here with ``orjson``,
    the parser the worker reads it with) and is stored byte for byte. The shop check and the insert
    are one statement (``INSERT … SELECT FROM shop WHERE installed … ON CONFLICT DO NOTHING``),
    committed on its own: the common path costs one round trip, and a row exists only for a
    known shop that is installed (or, with ``accept_uninstalled``, that was). Returns
    ``STORED``; or, writing nothing, ``DUPLICATE``, ``UNKNOWN_SHOP`` or ``NOT_INSTALLED``.
    Raises ``InvalidPayload`` when the body is not a JSON object.
    """
    try:
        is_object = isinstance(orjson.loads(body), dict)
    except orjson.JSONDecodeError:
        is_object = False
    if not is_object:
        raise InvalidPayload("the body is not a JSON object")
    delivery = _Delivery(
        webhook_id=webhook_id,
        topic=topic,
        api_version=api_version,
        event_id=event_id or None,
        triggered_at=triggered_at,
        body=body,
        status=str(Status.PENDING),  # its value: psycopg would bind an Enum by name
        received_at=timezone.now(),
        shop_domain=shop_domain,
        accept_uninstalled=accept_uninstalled,
    )
    insert = _insert_postgresql if connection.vendor == "postgresql" else _insert_portable
    stored = insert(delivery)
    if stored:
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


class _Delivery(NamedTuple):
    """One delivery's parameters, in the order of ``_INSERT``'s placeholders."""

    webhook_id: str
    topic: str
    api_version: str
    event_id: str | None
    triggered_at: datetime | None
    body: bytes
    status: str
    received_at: datetime
    shop_domain: str
    accept_uninstalled: bool


_INSERT = (
    f"INSERT INTO {_TABLE} (shop_id, webhook_id, topic, api_version, event_id,"  # noqa: S608
    " triggered_at, body, status, attempts, last_error, received_at)"
    " SELECT s.id, %s, %s, %s, %s, %s{time}, %s, %s, 0, '', %s{time}"
    f" FROM {_SHOP_TABLE} s WHERE s.domain = %s AND"
    " (%s OR (s.installed_at IS NOT NULL AND s.uninstalled_at IS NULL))"
    " ON CONFLICT DO NOTHING RETURNING id"
)
# PostgreSQL won't assign an untyped NULL to a timestamptz column from a SELECT list.
_INSERT_POSTGRESQL = _INSERT.format(time="::timestamptz")
# Several deliveries in one statement: the same INSERT over a VALUES list, one row per delivery,
# returning the ordinals (1-based) of the deliveries it stored. Plain parameters rather than
# arrays: psycopg would escape each ~11 kB body into an array literal in Python. The text
# depends only on the batch size, so a connection prepares a handful of statements at most.
_VALUES_ROW = "(%s, %s, %s, %s, %s::timestamptz, %s, %s, %s::boolean, %s::integer)"
_INSERT_MANY = (
    "WITH v (webhook_id, topic, api_version, event_id, triggered_at, body, domain, accept, n)"  # noqa: S608
    " AS (VALUES {rows}),"
    f" stored AS (INSERT INTO {_TABLE} (shop_id, webhook_id, topic, api_version, event_id,"
    " triggered_at, body, status, attempts, last_error, received_at)"
    " SELECT s.id, v.webhook_id, v.topic, v.api_version, v.event_id, v.triggered_at, v.body,"
    " %s, 0, '', %s::timestamptz"
    f" FROM v JOIN {_SHOP_TABLE} s ON s.domain = v.domain AND"
    " (v.accept OR (s.installed_at IS NOT NULL AND s.uninstalled_at IS NULL))"
    " ORDER BY v.n ON CONFLICT DO NOTHING RETURNING shop_id, webhook_id)"
    f" SELECT v.n FROM v JOIN {_SHOP_TABLE} s ON s.domain = v.domain"
    " JOIN stored ON stored.shop_id = s.id AND stored.webhook_id = v.webhook_id"
)


def _insert_postgresql(delivery: _Delivery) -> bool:
    """Run the intake's INSERT on PostgreSQL; whether the delivery was stored.

    In the web request (autocommit) the deliveries that threads of this process commit at the
    same moment share one statement, one round trip and one commit (``Batcher``; a group
    commit; at peak load in ``bench/webhook_intake.py`` mostly 2 or 3 deliveries a statement).
    Each request still answers only after the statement that carried its row has committed.
    Inside a transaction
    (a caller's atomic block) the delivery is inserted alone, in a savepoint, so an error
    doesn't abort the outer transaction.
    """
    if connection.in_atomic_block:
        with transaction.atomic(), psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(_INSERT_POSTGRESQL, delivery, prepare=True)
            return cursor.fetchone() is not None
    outcome = _intake_inserts.submit(delivery)
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _insert_batch(batch: list[_Delivery]) -> list[bool | BaseException]:
    """Insert ``batch`` (run by one of the submitting threads, on its own connection).

    Two per-request costs of Django's cursor are avoided on this hot path: client-side binding
    (the ~11 kB body escaped into the query text, which PostgreSQL then parses and plans anew
    each time) and the connection health check (``CONN_HEALTH_CHECKS`` runs a ``SELECT 1`` round
    trip before the first query of every request). The statements are prepared once per
    connection with their parameters bound server-side; a connection that turns out broken is
    replaced and the statement retried once, which is safe because a repeated
    ``INSERT … ON CONFLICT DO NOTHING`` of the same deliveries writes nothing. If a batch of
    several fails otherwise, each delivery is tried alone so one bad row fails only its request.
    """
    for attempt in (1, 2):
        connection.ensure_connection()
        try:
            with psycopg.Cursor(connection.connection) as cursor:
                if len(batch) == 1:
                    cursor.execute(_INSERT_POSTGRESQL, batch[0], prepare=True)
                    return [cursor.fetchone() is not None]
                values: list[Any] = []
                for n, d in enumerate(batch, start=1):
                    values += [
                        d.webhook_id, d.topic, d.api_version, d.event_id, d.triggered_at,
                        d.body, d.shop_domain, d.accept_uninstalled, n,
                    ]  # fmt: skip
                # One status for all (pending); the first delivery's time stands for the batch's.
                status, received_at = batch[0].status, batch[0].received_at
                statement = _INSERT_MANY.format(rows=", ".join([_VALUES_ROW] * len(batch)))
                cursor.execute(statement, [*values, status, received_at], prepare=True)
                stored = {n for (n,) in cursor.fetchall()}
                return [n in stored for n in range(1, len(batch) + 1)]
        except (psycopg.OperationalError, psycopg.InterfaceError):
            if attempt == 2:
                raise
            logger.warning("webhook intake: database connection lost, reconnecting")
            connection.close()
        except psycopg.Error:
            if len(batch) == 1:
                raise
            return [_outcome_alone(delivery) for delivery in batch]
    raise AssertionError("unreachable")


def _outcome_alone(delivery: _Delivery) -> bool | BaseException:
    try:
        return _insert_batch([delivery])[0]
    except psycopg.Error as exc:
        return exc


_intake_inserts: Batcher[_Delivery, bool | BaseException] = Batcher(_insert_batch)


def _insert_portable(delivery: _Delivery) -> bool:
    """The same INSERT through Django's cursor, for SQLite (``make dev`` without PostgreSQL)."""
    adapt = connection.ops.adapt_datetimefield_value
    params = delivery._replace(
        triggered_at=adapt(delivery.triggered_at), received_at=adapt(delivery.received_at)
    )
    with (
        transaction.atomic() if connection.in_atomic_block else nullcontext(),
        connection.cursor() as cursor,
    ):
        cursor.execute(_INSERT.format(time=""), params)
        return cursor.fetchone() is not None


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
    _drain_requests.submit(None)


def _drain_request_run(requests: list[None]) -> list[None]:
    """One flag check (and at most one publish) on behalf of every delivery in ``requests``.

    The threads of one server process that commit deliveries at the same moment share this round
    trip (``Batcher``): each is served by a check that starts after its row was committed, which
    is all the argument in the module docstring needs.
    """
    from shopify_app.tasks import webhook_deliveries_drain as webhook_deliveries_drain_task

    if _redis().set(DRAIN_PENDING_KEY, "1", nx=True, px=DRAIN_PENDING_TTL_MS):
        webhook_deliveries_drain_task.delay()
    return [None] * len(requests)


_drain_requests: Batcher[None, None] = Batcher(_drain_request_run)


def webhook_drain_started() -> None:
    """A drain is starting: clear the pending flag *before* it claims any row.

    Deliveries committed from now on publish a new drain; those committed before are visible to
    this drain's claims.
    """
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        _redis().delete(DRAIN_PENDING_KEY)


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
