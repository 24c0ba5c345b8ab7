"""Health endpoint for load balancers: 200 when the database and the broker answer, else 503.

The workers' liveness is reported but does not make the answer 503: a web process without
workers still stores webhooks durably, and taking it out of the load balancer would lose them.
Alert on ``"worker" != "ok"`` or ``"inbox" != "ok"`` instead (``status`` is then
``degraded``): the first says no worker consumes the batch queue, the second that webhook
deliveries wait past their due time (``INBOX_OVERDUE_MAX_S``), whichever workers are missing.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from config.tasks import worker_heartbeat_age, worker_status
from shopify_app.services.webhooks import INBOX_OVERDUE_MAX_S, inbox_overdue_seconds

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.warning("health: database unreachable", exc_info=True)
        return False


def _broker_status() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        client.ping()
    except redis.RedisError:
        logger.warning("health: broker unreachable", exc_info=True)
        return "down"
    return "ok"


def _inbox() -> dict[str, object]:
    try:
        overdue = inbox_overdue_seconds()
    except DatabaseError:  # e.g. a database not migrated yet: the endpoint must still answer
        logger.warning("health: inbox unreadable", exc_info=True)
        return {"inbox": "unknown"}
    return {
        "inbox_overdue_s": round(overdue, 3),
        "inbox": "ok" if overdue <= INBOX_OVERDUE_MAX_S else "behind",
    }


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    database = "ok" if _database_ok() else "down"
    broker = _broker_status()
    healthy = database == "ok" and broker != "down"
    body: dict[str, object] = {
        "status": "ok" if healthy else "unavailable",
        "database": database,
        "broker": broker,
    }
    if database == "ok":
        body.update(_inbox())
        if healthy and body["inbox"] == "behind":
            body["status"] = "degraded"
    if broker == "ok":
        age = worker_heartbeat_age()
        body["worker_heartbeat_age_s"] = age
        body["worker"] = worker_status(age)
        if healthy and body["worker"] != "ok":
            body["status"] = "degraded"
    return JsonResponse(body, status=200 if healthy else 503)
