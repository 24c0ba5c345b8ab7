"""bulk_operations/finish, the post-install hook and the sweeper enqueue the right next step."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from unittest import mock

from django.utils import timezone

from shopify_app.models import SyncRun, WebhookDelivery
from shopify_app.services.webhooks import webhook_deliveries_process
from shopify_app.sync import services, tasks
from shopify_app.sync.handlers import initial_sync_hook

EXAMPLE = Path("devshop/data/webhook-schemas/2026-07/metadatas/bulk_operations/finish.json")


def _deliver(shop, payload) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        shop=shop, webhook_id="w-1", topic="bulk_operations/finish", payload=payload
    )


def test_finish_webhook_enqueues_a_check_of_its_run(shop, django_capture_on_commit_callbacks):
    payload = json.loads(EXAMPLE.read_text())["response"]  # Shopify's example body
    run = SyncRun.objects.create(
        shop=shop, kind="initial", resource="orders", status="running",
        bulk_operation_id=payload["admin_graphql_api_id"],
    )  # fmt: skip
    delivery = _deliver(shop, payload)

    with (
        mock.patch.object(tasks.sync_run_check, "delay") as check,
        django_capture_on_commit_callbacks(execute=True),
    ):
        webhook_deliveries_process(delivery_id=delivery.pk, batch=0)

    check.assert_called_once_with(run.pk)
    delivery.refresh_from_db()
    assert delivery.status == "done"


def test_finish_webhook_for_an_unknown_operation_is_ignored(shop, other_shop):
    payload = json.loads(EXAMPLE.read_text())["response"]
    SyncRun.objects.create(
        shop=other_shop, kind="initial", resource="orders", status="running",
        bulk_operation_id=payload["admin_graphql_api_id"],
    )  # fmt: skip
    delivery = _deliver(shop, payload)

    with mock.patch.object(tasks.sync_run_check, "delay") as check:
        webhook_deliveries_process(delivery_id=delivery.pk, batch=0)

    check.assert_not_called()  # another shop's operation with the same id is not ours


def test_post_install_hook_enqueues_the_initial_sync(shop):
    with mock.patch.object(tasks.sync_initial_start, "delay") as start:
        initial_sync_hook(shop_id=shop.pk)

    start.assert_called_once_with(shop.pk)


def test_sweeper_resumes_stalled_runs(shop, other_shop):
    old = timezone.now() - services.STALL_AFTER - timedelta(seconds=1)
    pending = SyncRun.objects.create(shop=shop, kind="initial", resource="customers")
    importing = SyncRun.objects.create(
        shop=shop, kind="initial", resource="orders", status="importing",
        lease_expires_at=old,
    )  # fmt: skip
    leased = SyncRun.objects.create(
        shop=other_shop, kind="initial", resource="orders", status="importing",
        lease_expires_at=timezone.now() + timedelta(minutes=1),
    )  # fmt: skip
    SyncRun.objects.filter(pk__in=[pending.pk, importing.pk, leased.pk]).update(updated_at=old)

    with (
        mock.patch.object(tasks.sync_run_start, "delay") as start,
        mock.patch.object(tasks.sync_run_import, "delay") as import_,
    ):
        assert tasks.sync_runs_sweep() == 2

    start.assert_called_once_with(pending.pk)
    import_.assert_called_once_with(importing.pk)  # the live lease is left alone
