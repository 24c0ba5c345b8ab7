"""The webhook inbox's intake: store a delivery durably, then wake the workers.

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

Processing the stored rows is ``shopify_app.services.webhooks``.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

import orjson
import psycopg
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from shopify_app.batching import Batcher
from shopify_app.models import Shop, WebhookDelivery
from shopify_app.webhooks.payloads import InvalidPayload

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status

# The "a drain is pending" flag. Its lifetime bounds how long deliveries rely on a drain message
# that was lost; a normal drain clears it within a queue wait.
DRAIN_PENDING_KEY = "shopify:webhook-drain-pending"
DRAIN_PENDING_TTL_MS = 5_000

_TABLE = WebhookDelivery._meta.db_table
_SHOP_TABLE = Shop._meta.db_table


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
