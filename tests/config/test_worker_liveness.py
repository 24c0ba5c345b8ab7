"""A dead or silent worker is visible: /healthz says ``stale`` and the admin's inbox warns."""

from __future__ import annotations

import time

import pytest
import redis
from django.conf import settings

from config.tasks import WORKER_HEARTBEAT_KEY, WORKER_HEARTBEAT_MAX_AGE_S
from shopify_app.services.webhooks import INBOX_OVERDUE_MAX_S


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


def _pending(shop, *, overdue_s: float, status: str = "pending"):
    """A delivery due ``overdue_s`` seconds ago on the database's clock."""
    from datetime import timedelta

    from django.db.models.functions import Now

    from shopify_app.models import WebhookDelivery

    delivery = WebhookDelivery.objects.create(
        shop=shop, webhook_id=f"w-{overdue_s}-{status}", topic="orders/paid", body=b"{}"
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status, next_attempt_at=Now() - timedelta(seconds=overdue_s)
    )


@pytest.mark.django_db
def test_health_reports_deliveries_waiting_past_their_time_with_a_live_heartbeat(
    client, heartbeat, shop
):
    # The heartbeat is the batch queue's: live batch workers beside dead webhooks-queue workers.
    heartbeat(5)
    _pending(shop, overdue_s=INBOX_OVERDUE_MAX_S + 30)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["worker"], body["inbox"]) == ("degraded", "ok", "behind")
    assert body["inbox_overdue_s"] > INBOX_OVERDUE_MAX_S


@pytest.mark.django_db
def test_health_is_ok_while_deliveries_are_taken_in_time(client, heartbeat, shop):
    heartbeat(5)
    _pending(shop, overdue_s=2)  # just due: a worker is about to take it
    _pending(shop, overdue_s=-30)  # waiting out a retry's backoff: not due yet
    _pending(shop, overdue_s=3600, status="done")  # processed long ago
    body = client.get("/healthz").json()
    assert (body["status"], body["inbox"]) == ("ok", "ok")
    assert 0 < body["inbox_overdue_s"] < INBOX_OVERDUE_MAX_S


@pytest.mark.django_db
def test_health_reports_an_empty_inbox_as_nothing_overdue(client, heartbeat):
    heartbeat(5)
    body = client.get("/healthz").json()
    assert (body["inbox"], body["inbox_overdue_s"]) == ("ok", 0.0)


@pytest.mark.django_db
def test_inbox_admin_warns_when_deliveries_wait_past_their_time(admin_client, heartbeat, shop):
    heartbeat(5)
    _pending(shop, overdue_s=INBOX_OVERDUE_MAX_S + 30)
    page = admin_client.get("/django-admin/shopify_app/webhookdelivery/").content.decode()
    assert "Deliveries are waiting" in page
    assert "No worker is processing" not in page
