"""Waking the workers: a burst of deliveries publishes one drain, and a drain empties the inbox.

The drain flag lives in the real Redis (``REDIS_URL``); the Celery publish itself is patched
(``delay``) so the tests can count the messages without a worker.
"""

from __future__ import annotations

import logging
from unittest import mock

import pytest
import redis
from django.conf import settings

from shopify_app import tasks
from shopify_app.models import WebhookDelivery
from shopify_app.services import webhook_intake as intake
from shopify_app.services import webhooks as inbox
from shopify_app.webhooks import registry
from tests.shopify_app.webhooks.conftest import example_payload

KEY = intake.DRAIN_PENDING_KEY


@pytest.fixture
def drain_flag():
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(KEY)
    yield client
    client.delete(KEY)


@pytest.fixture
def drain_published():
    with mock.patch.object(tasks.webhook_deliveries_drain, "delay", autospec=True) as delay:
        yield delay


def _deliver_committed(deliver, shop, capture, count=1, topic="customers/create"):
    """Deliver ``count`` times, each delivery's on-commit work run as after a real commit."""
    for _ in range(count):
        with capture(execute=True):
            assert deliver(shop_domain=shop.domain, topic=topic).status_code == 200


def test_a_burst_of_deliveries_publishes_one_drain(
    shop, deliver, drain_flag, drain_published, django_capture_on_commit_callbacks
):
    _deliver_committed(deliver, shop, django_capture_on_commit_callbacks, count=3)

    assert WebhookDelivery.objects.filter(shop=shop).count() == 3
    assert drain_published.call_count == 1
    assert 0 < drain_flag.pttl(KEY) <= intake.DRAIN_PENDING_TTL_MS


def test_a_started_drain_lets_the_next_delivery_publish_again(
    shop, deliver, drain_flag, drain_published, django_capture_on_commit_callbacks
):
    _deliver_committed(deliver, shop, django_capture_on_commit_callbacks)
    intake.webhook_drain_started()
    _deliver_committed(deliver, shop, django_capture_on_commit_callbacks)

    assert drain_published.call_count == 2


def test_redis_down_still_answers_200_with_the_row_stored(
    shop, deliver, monkeypatch, drain_published, django_capture_on_commit_callbacks, caplog
):
    # Nothing listens on port 1: the flag cannot be set. The row is durable; the sweeper will
    # enqueue it.
    monkeypatch.setattr(intake, "_redis_client", redis.Redis(port=1, socket_connect_timeout=0.2))

    with caplog.at_level(logging.ERROR):
        _deliver_committed(deliver, shop, django_capture_on_commit_callbacks)

    assert WebhookDelivery.objects.filter(shop=shop, status="pending").count() == 1
    assert drain_published.call_count == 0
    assert any("on_commit" in r.getMessage() for r in caplog.records)


def test_the_drain_processes_every_fresh_row_batch_after_batch(
    shop, deliver, drain_flag, drain_published, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(inbox, "PROCESS_BATCH", 2)
    _deliver_committed(deliver, shop, django_capture_on_commit_callbacks, count=5)
    drain_published.reset_mock()

    tasks.webhook_deliveries_drain()

    statuses = WebhookDelivery.objects.filter(shop=shop).values_list("status", flat=True)
    assert sorted(statuses) == ["done"] * 5
    assert drain_flag.exists(KEY) == 0  # cleared before claiming
    assert drain_published.call_count == 1  # the full first batch asked for a helper


def test_the_drain_hands_the_rest_over_after_its_batch_limit(
    shop, deliver, drain_published, monkeypatch, drain_flag, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(inbox, "PROCESS_BATCH", 2)
    monkeypatch.setattr(inbox, "DRAIN_MAX_BATCHES", 2)
    _deliver_committed(deliver, shop, django_capture_on_commit_callbacks, count=5)
    drain_published.reset_mock()

    tasks.webhook_deliveries_drain()

    assert WebhookDelivery.objects.filter(shop=shop, status="done").count() == 4
    assert WebhookDelivery.objects.filter(shop=shop, status="pending").count() == 1
    assert drain_published.call_count == 2  # a helper, then the continuation


def test_the_drain_schedules_a_retry_for_a_failing_row(shop, deliver, drain_flag):
    topic = "test/scratch"

    def failing(**kwargs):
        raise RuntimeError("downstream is down")

    registry.register_handler(topic, failing)
    try:
        deliver(shop_domain=shop.domain, topic=topic, payload=example_payload("orders/paid"))
        delivery = WebhookDelivery.objects.get(shop=shop, topic=topic)
        with mock.patch.object(
            tasks.webhook_delivery_process, "apply_async", autospec=True
        ) as retry:
            tasks.webhook_deliveries_drain()
    finally:
        registry._handlers.pop(topic, None)

    retry.assert_called_once_with(args=[delivery.pk], countdown=inbox.retry_delay(1))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
