"""Fixtures for the sync: our Shop connected to devshop's shop, and a way to run a sync."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings

from shopify_app import admin_api
from shopify_app.models import SyncRun
from shopify_app.services.credentials import shop_credential_store
from shopify_app.sync import services


@pytest.fixture(autouse=True)
def private_bulk_dir(settings, tmp_path):
    """devshop's result files in this test's own directory, removed with it (the 100k sync
    writes tens of MB)."""
    settings.DEVSHOP_BULK_DIR = str(tmp_path / "devshop-bulk")


@pytest.fixture
def app_shop(shop, devshop, inprocess_http):
    """Our Shop holding devshop's offline token, with a clean Redis bucket."""
    shop_credential_store(shop=shop, token_response={"access_token": devshop.token, "scope": ""})
    redis.Redis.from_url(settings.REDIS_URL).delete(admin_api._bucket_key(shop))
    admin_api._document_costs.clear()
    return shop


def run_to_importing(run: SyncRun) -> SyncRun:
    """Start the run's bulk operation and poll it until devshop has written the result.

    devshop (in tests) moves an operation one step per poll: CREATED → RUNNING → COMPLETED.
    """
    run = services.sync_run_start(run=run)
    assert run.status == SyncRun.Status.RUNNING, run.error
    for _ in range(5):
        run = services.sync_run_check(run=run)
        if run.status != SyncRun.Status.RUNNING:
            break
    assert run.status == SyncRun.Status.IMPORTING, run.error
    return run


def sync_all(shop) -> list[SyncRun]:
    """A whole initial sync, step by step as the tasks would run it; the finished runs."""
    runs = services.sync_initial_start(shop=shop)
    finished = []
    for run in runs:
        run = run_to_importing(run)
        while services.sync_run_import(run=run).more:
            pass
        run.refresh_from_db()
        finished.append(run)
    return finished
