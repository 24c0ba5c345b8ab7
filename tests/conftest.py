"""Suite-wide fixtures: the two-shop cast and a live Celery worker on the real Redis broker.

Cast: ``shop`` is the tenant under test; ``other_shop`` is an outsider whose data must never
leak into ``shop``'s answers (each endpoint has a 404 test for it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from config.celery import app as celery_app
from devshop import clock as devshop_clock
from devshop import http as devshop_http
from devshop.testing import BASE_URL, DevshopHandle, InProcessAdapter
from shopify_app import http as app_http
from shopify_app.services import webhook_intake
from tests.factories import ShopFactory


@pytest.fixture(scope="session")
def django_db_createdb(request: pytest.FixtureRequest) -> bool:
    """Recreate the kept test database (``--reuse-db``) when another checkout migrated it.

    A database kept from a run of other code can record migrations that are no longer on disk
    (renumbered or renamed at a merge) while holding their tables, and migrating it forward then
    fails on a table that already exists. Recreating it costs one full migrate; trusting it costs
    the whole run.
    """
    if request.config.getvalue("create_db"):
        return True
    return _kept_test_database_is_stale()


def _kept_test_database_is_stale() -> bool:
    import psycopg

    db = connection.settings_dict
    params = {k.lower(): db[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if db[k]}
    try:
        with psycopg.connect(dbname=connection.creation._get_test_db_name(), **params) as conn:
            rows = conn.execute("SELECT app, name FROM django_migrations").fetchall()
    except psycopg.Error:  # no kept database, or one never migrated: created either way
        return False
    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return any((app, name) not in on_disk for app, name in rows)


@pytest.fixture
def shop(db):
    return ShopFactory(domain="alice-shop.myshopify.com", name="Alice's Shop")


@pytest.fixture
def other_shop(db):
    return ShopFactory(domain="charlie-shop.myshopify.com", name="Charlie's Shop")


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[None]:
    """A real Celery worker consuming every queue from the real Redis broker, in a thread.

    The worker uses its own database connection, so tests that use it must commit
    (``transactional_db``). The queues are purged first so no stale message from an earlier
    run is processed, and with them the webhook drain flag of a purged drain message.
    """
    assert not settings.CELERY_TASK_ALWAYS_EAGER, "tests need REDIS_URL (a real broker)"
    queues = [q.name for q in settings.CELERY_TASK_QUEUES]
    with celery_app.connection_for_write() as conn:
        for name in queues:
            conn.default_channel.queue_purge(name)
        conn.default_channel.client.delete(webhook_intake.DRAIN_PENDING_KEY)
    with start_worker(
        celery_app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        loglevel="WARNING",
        queues=queues,
        shutdown_timeout=30,
    ):
        yield


@pytest.fixture
def inprocess_http(db) -> Iterator[InProcessAdapter]:
    """Route the app's outbound HTTP (and devshop's) to the in-process test server."""
    adapter = InProcessAdapter()
    sessions = [app_http.session, devshop_http.session]
    for session in sessions:
        session.mount(f"{BASE_URL}/", adapter)
    yield adapter
    for session in sessions:
        session.adapters.pop(f"{BASE_URL}/", None)


@pytest.fixture(autouse=True)
def _storefront_cache_keys(settings) -> Iterator[None]:
    """GET state's cache lives in Redis, outside the test transaction that is rolled back: each
    test gets its own key prefix (the same shop domains and customer ids recur from test to
    test), and its keys are deleted afterwards."""
    prefix = f"test-sf-{uuid.uuid4().hex[:12]}"
    settings.STOREFRONT_STATE_CACHE_PREFIX = prefix
    yield
    from shopify_app import storefront_cache

    client = storefront_cache._redis()
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _devshop_clock() -> Iterator[None]:
    """devshop's clock is process-wide: a test that moves it must not move the next test's."""
    yield
    devshop_clock.reset()


@pytest.fixture
def devshop(db) -> DevshopHandle:
    """devshop's ``alice-shop.myshopify.com`` (the ``shop`` fixture's domain) with the app
    installed and an offline token."""
    return DevshopHandle.create(domain="alice-shop.myshopify.com")
