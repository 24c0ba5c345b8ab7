"""Operational tasks that belong to no domain app."""

from __future__ import annotations

import time

import redis
from celery import shared_task
from django.conf import settings

WORKER_HEARTBEAT_KEY = "loyalty:worker-heartbeat"
# Beat enqueues the heartbeat every 30 s and any worker consuming the ``batch`` queue records it.
# Older than this (three beats missed), no worker has consumed for 90 s: a dead or silent worker
# main, a stopped beat or a broker that lost its messages. /healthz then reports ``"worker":
# "stale"`` and the Django admin's inbox page warns; alert on it (README, "Deployment").
WORKER_HEARTBEAT_MAX_AGE_S = 90.0


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


def worker_status(age: float | None) -> str:
    """``ok``, ``stale`` (older than ``WORKER_HEARTBEAT_MAX_AGE_S``) or ``missing`` (never)."""
    if age is None:
        return "missing"
    return "ok" if age <= WORKER_HEARTBEAT_MAX_AGE_S else "stale"
