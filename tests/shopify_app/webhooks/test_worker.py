"""With real workers on the real broker: deliveries are processed, even after a SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from shopify_app.models import Order, WebhookDelivery
from shopify_app.services import webhook_intake as intake
from shopify_app.services import webhooks as inbox
from shopify_app.tasks import webhook_deliveries_sweep
from tests.factories import ShopFactory

pytestmark = pytest.mark.worker

# The customer embedded in Shopify's example orders/paid payload.
EXAMPLE_CUSTOMER_ID = 115310627314723954


def _wait_for(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _status(delivery_id):
    return WebhookDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()


def test_a_live_worker_processes_a_delivery_once(celery_worker, deliver):
    shop = ShopFactory(domain="alice-shop.myshopify.com")

    for _ in range(2):  # Shopify retrying: the same Webhook-Id twice
        response = deliver(shop_domain=shop.domain, topic="orders/paid", webhook_id="live-1")
        assert response.status_code == 200

    delivery = WebhookDelivery.objects.get(shop=shop)
    _wait_for(lambda: _status(delivery.pk) == "done", what="the worker to process the delivery")
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert Order.objects.filter(shop=shop).count() == 1


def _conninfo() -> str:
    s = connection.settings_dict
    return f"host={s['HOST']} port={s['PORT'] or 5432} user={s['USER']} dbname={s['NAME']}"


def _start_worker() -> subprocess.Popen:
    """``celery -A config worker`` in its own process group, on the test database."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        # The test database (test_loyalty_<name>): the test commits its rows (transactional_db),
        # so the worker's own connection sees them.
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-Q", "webhooks",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        worker.wait(timeout=30)


def _lock_waiters(conn) -> int:
    return conn.execute(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ).fetchone()[0]


def test_a_delivery_whose_worker_was_killed_is_processed_after_a_restart(transactional_db, deliver):
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge("webhooks")
        conn.default_channel.client.delete(intake.DRAIN_PENDING_KEY)  # a purged drain's flag
    shop = ShopFactory(domain="alice-shop.myshopify.com")

    # Another transaction holds the customer row the handler must write: the worker will claim
    # the delivery, start its handlers and block there, mid-transaction.
    blocker = psycopg.connect(_conninfo())
    blocker.execute(
        "INSERT INTO shopify_app_customer (shop_id, shopify_id, state, tags, created_at,"
        " updated_at) VALUES (%s, %s, '', '[]', now(), now())",
        [shop.pk, EXAMPLE_CUSTOMER_ID],
    )
    worker = _start_worker()
    try:
        assert deliver(shop_domain=shop.domain, topic="orders/paid").status_code == 200
        delivery = WebhookDelivery.objects.get(shop=shop)
        with psycopg.connect(_conninfo(), autocommit=True) as observer:
            _wait_for(lambda: _lock_waiters(observer) > 0, what="the worker to block")

            _stop(worker, signal.SIGKILL)
            blocker.rollback()  # the orphaned backend now fails on its dead socket and aborts

            def unlocked_and_pending() -> bool:
                try:
                    with observer.transaction():
                        row = observer.execute(
                            "SELECT status, attempts FROM shopify_app_webhookdelivery"
                            " WHERE id = %s FOR UPDATE NOWAIT",
                            [delivery.pk],
                        ).fetchone()
                except psycopg.errors.LockNotAvailable:
                    return False
                return row == ("pending", 0)

            _wait_for(unlocked_and_pending, what="the killed claim to be released")
        assert not Order.objects.filter(shop=shop).exists()

        # The message died with the worker; the sweeper finds the row once it is stranded
        # (and a new worker drains the inbox as it connects anyway).
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=delivery.next_attempt_at - inbox.STRANDED_AFTER - timedelta(seconds=1)
        )
        assert webhook_deliveries_sweep() == 1
        worker = _start_worker()

        _wait_for(lambda: _status(delivery.pk) == "done", timeout=60, what="the restarted worker")
    finally:
        blocker.close()
        _stop(worker)

    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert Order.objects.filter(shop=shop).count() == 1


def _purged() -> None:
    """No message left from an earlier test, not even one a killed worker never acked."""
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge("webhooks")
        conn.default_channel.client.delete(intake.DRAIN_PENDING_KEY, "unacked", "unacked_index")


def _stranded(shop, webhook_id: str) -> WebhookDelivery:
    """A committed pending row whose wake-up was lost: no message for it exists anywhere."""
    from tests.shopify_app.webhooks.conftest import example_payload

    return WebhookDelivery.objects.create(
        shop=shop,
        webhook_id=webhook_id,
        topic="orders/paid",
        api_version="2026-07",
        payload=example_payload("orders/paid"),
    )


def _broker_idle(client) -> bool:
    """No webhooks message queued nor delivered-but-unacked (kombu's ``unacked`` hash)."""
    return client.llen("webhooks") == 0 and client.hlen("unacked") == 0


def test_a_starting_worker_drains_rows_stranded_while_none_ran(transactional_db):
    _purged()
    shop = ShopFactory(domain="alice-shop.myshopify.com")
    delivery = _stranded(shop, "stranded-at-start")

    worker = _start_worker()
    try:
        _wait_for(lambda: _status(delivery.pk) == "done", timeout=60, what="the starting worker")
    finally:
        _stop(worker)
    assert Order.objects.filter(shop=shop).count() == 1


def test_a_worker_that_reconnects_to_the_broker_drains_stranded_rows(transactional_db, deliver):
    """The broker connection is cut under a running worker (``CLIENT KILL`` of every client of
    this run's Redis database): it reconnects and drains a row no message points at."""
    _purged()
    shop = ShopFactory(domain="alice-shop.myshopify.com")
    worker = _start_worker()
    try:
        with celery_app.connection_for_write() as conn:
            client = conn.default_channel.client
            assert deliver(shop_domain=shop.domain, topic="customers/create").status_code == 200
            first = WebhookDelivery.objects.get(shop=shop)
            _wait_for(lambda: _status(first.pk) == "done", timeout=60, what="a working worker")
            _wait_for(lambda: _broker_idle(client), what="the worker's start drain to finish")
            delivery = _stranded(shop, "stranded-at-reconnect")
            assert _status(delivery.pk) == "pending"

            db = client.connection_pool.connection_kwargs.get("db", 0)
            victims = [c["id"] for c in client.client_list() if int(c["db"]) == db]
            for client_id in victims:
                client.client_kill_filter(_id=client_id)

            _wait_for(lambda: _status(delivery.pk) == "done", timeout=60, what="the reconnect")
            assert worker.poll() is None, "the worker main died on the lost connection"
    finally:
        _stop(worker)
    assert Order.objects.filter(shop=shop).count() == 1
