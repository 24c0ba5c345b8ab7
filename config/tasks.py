"""Operational tasks that belong to no domain app."""

from __future__ import annotations

import time

import redis
from celery import shared_task
from django.conf import settings

WORKER_HEARTBEAT_KEY = "loyalty:worker-heartbeat"


@shared_task(ignore_result=True)
def worker_heartbeat() -> None:
    """Record that a worker is consuming; beat runs this so /healthz can show worker liveness."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    redis.Redis.from_url(settings.REDIS_URL).set(WORKER_HEARTBEAT_KEY, f"{time.time():.3f}")


def worker_heartbeat_age() -> float | None:
    """Seconds since a worker last ran ``worker_heartbeat``; None if never (or no broker)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    raw = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).get(
        WORKER_HEARTBEAT_KEY
    )
    return None if raw is None else round(time.time() - float(raw), 3)
