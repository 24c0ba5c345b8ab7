"""A dead or silent worker is visible: /healthz says ``stale`` and the admin's inbox warns."""

from __future__ import annotations

import time

import pytest
import redis
from django.conf import settings

from config.tasks import WORKER_HEARTBEAT_KEY, WORKER_HEARTBEAT_MAX_AGE_S


@pytest.fixture
def heartbeat():
    client = redis.Redis.from_url(settings.REDIS_URL)

    def beat(age: float) -> None:
        client.set(WORKER_HEARTBEAT_KEY, f"{time.time() - age:.3f}")

    yield beat
    client.delete(WORKER_HEARTBEAT_KEY)


@pytest.mark.django_db
def test_health_is_ok_with_a_recent_heartbeat(client, heartbeat):
    heartbeat(5)
    body = client.get("/healthz").json()
    assert (body["status"], body["worker"]) == ("ok", "ok")


@pytest.mark.django_db
def test_health_reports_a_stale_worker_without_failing_the_load_balancer(client, heartbeat):
    heartbeat(WORKER_HEARTBEAT_MAX_AGE_S + 5)
    response = client.get("/healthz")
    # 200: the web still stores deliveries durably; the alert is on "worker".
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["worker"]) == ("degraded", "stale")
    assert body["worker_heartbeat_age_s"] > WORKER_HEARTBEAT_MAX_AGE_S


@pytest.mark.django_db
def test_health_reports_a_worker_that_never_beat(client, heartbeat):
    redis.Redis.from_url(settings.REDIS_URL).delete(WORKER_HEARTBEAT_KEY)
    assert client.get("/healthz").json()["worker"] == "missing"


@pytest.mark.django_db
def test_inbox_admin_warns_when_the_heartbeat_is_stale(admin_client, heartbeat):
    heartbeat(WORKER_HEARTBEAT_MAX_AGE_S + 5)
    page = admin_client.get("/django-admin/shopify_app/webhookdelivery/").content.decode()
    assert "No worker is processing" in page


@pytest.mark.django_db
def test_inbox_admin_is_quiet_with_a_live_worker(admin_client, heartbeat):
    heartbeat(5)
    page = admin_client.get("/django-admin/shopify_app/webhookdelivery/").content.decode()
    assert "No worker is processing" not in page
