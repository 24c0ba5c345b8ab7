"""Celery wiring: a task enqueued on the real Redis broker is run by a real worker."""

from __future__ import annotations

import time

import pytest
import redis
from django.conf import settings

from config.celery import app as celery_app
from config.tasks import WORKER_HEARTBEAT_KEY, worker_heartbeat, worker_heartbeat_age


def test_tasks_are_acknowledged_late_and_json_only():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    # A message must not be redelivered while its task may still be running.
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert {q.name for q in conf.task_queues} == {"webhooks", "storefront", "sync", "batch"}


@pytest.mark.worker
def test_live_worker_runs_the_heartbeat(celery_worker):
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(WORKER_HEARTBEAT_KEY)
    assert worker_heartbeat_age() is None

    worker_heartbeat.delay()

    deadline = time.monotonic() + 20
    while client.get(WORKER_HEARTBEAT_KEY) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    age = worker_heartbeat_age()
    assert age is not None
    assert age >= 0


def test_every_task_route_matches_a_registered_task():
    """A route whose pattern matches no task is dead configuration (a renamed task, a typo)."""
    from fnmatch import fnmatch

    celery_app.loader.import_default_modules()
    names = [name for name in celery_app.tasks if not name.startswith("celery.")]
    for pattern in settings.CELERY_TASK_ROUTES:
        assert any(fnmatch(name, pattern) for name in names), pattern
