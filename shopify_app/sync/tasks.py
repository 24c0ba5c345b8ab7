"""Celery tasks of the sync (and billing): thin wrappers that take ids, call one service.

Routed to the ``sync`` queue (``shopify_app.sync.tasks.*`` in settings). Each is safe to run
twice: the services act only on a run in the status they expect, and imports are leased.
``sync_runs_sweep`` (beat) re-enqueues any step whose message or worker was lost.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from shopify_app.exceptions import ShopifyRetriableError, ShopifyUserErrors
from shopify_app.models import Shop, SyncRun
from shopify_app.sync import reconcile, services

logger = logging.getLogger(__name__)

Status = SyncRun.Status

# Between polls of a running bulk operation: the finish webhook normally comes first.
POLL_SECONDS = 30
# One import slice, well inside the soft time limit (settings: 300 s).
IMPORT_BUDGET_SECONDS = 120
START_RETRIES = 10


@shared_task(acks_late=True, ignore_result=True)
def sync_initial_start(shop_id: int) -> None:
    """Create the shop's initial-sync runs; each run's start is enqueued on commit."""
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is not None and shop.is_installed:
        services.sync_initial_start(shop=shop)


def _check_later(run_id: int) -> None:
    """Poll the run's bulk operation again in ``POLL_SECONDS``, in case its webhook is lost.

    Tasks run in-process (``make dev`` without Redis) ignore countdowns: each poll would run at
    once and poll again, recursing as fast as Shopify answers until the operation finishes.
    There ``bulk_operations/finish`` alone moves the run on.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    sync_run_check.apply_async(args=[run_id], countdown=POLL_SECONDS)


def _run(run_id: int) -> SyncRun | None:
    return SyncRun.objects.select_related("shop").filter(pk=run_id).first()


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=START_RETRIES)
def sync_run_start(self, run_id: int) -> None:
    """Start the run's bulk operation, then poll it (in case ``bulk_operations/finish`` is lost).

    Shopify refusing (``LIMIT_REACHED`` while other operations run) or failing transiently is
    retried with backoff; when retries run out the run is marked failed for the admin to show.
    """
    run = _run(run_id)
    if run is None:
        return
    try:
        run = services.sync_run_start(run=run)
    except (ShopifyUserErrors, ShopifyRetriableError) as exc:
        if self.request.retries >= START_RETRIES:
            services.sync_run_fail(run=run, error=f"could not start: {exc}")
            return
        raise self.retry(exc=exc, countdown=min(600, 30 * 2**self.request.retries)) from exc
    if run.status == Status.RUNNING:
        _check_later(run_id)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=5)
def sync_run_check(self, run_id: int) -> None:
    """Poll the bulk operation: import when done, poll again while it runs."""
    run = _run(run_id)
    if run is None:
        return
    try:
        run = services.sync_run_check(run=run)
    except ShopifyRetriableError as exc:
        raise self.retry(exc=exc, countdown=POLL_SECONDS) from exc
    if run.status == Status.RUNNING:
        _check_later(run_id)
    elif run.status == Status.IMPORTING:
        sync_run_import.delay(run_id)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=8)
def sync_run_import(self, run_id: int) -> None:
    """Import one slice of the result; enqueue the next slice until the file is done."""
    run = _run(run_id)
    if run is None:
        return
    try:
        outcome = services.sync_run_import(run=run, budget_seconds=IMPORT_BUDGET_SECONDS)
    except ShopifyRetriableError as exc:
        raise self.retry(exc=exc, countdown=min(600, 15 * 2**self.request.retries)) from exc
    if outcome.more:
        sync_run_import.delay(run_id)


@shared_task(ignore_result=True)
def sync_runs_sweep() -> int:
    """Beat: re-enqueue the next step of every stalled initial-sync run."""
    steps = {
        Status.PENDING: sync_run_start,
        Status.RUNNING: sync_run_check,
        Status.IMPORTING: sync_run_import,
    }
    stalled = services.sync_runs_stalled()
    for run_id, status in stalled:
        steps[status].delay(run_id)
    return len(stalled)


@shared_task(ignore_result=True)
def sync_reconcile_all() -> int:
    """Beat: one reconciliation task per installed shop (fan-out, so shops run in parallel)."""
    shop_ids = list(
        Shop.objects.filter(installed_at__isnull=False, uninstalled_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for shop_id in shop_ids:
        sync_reconcile_shop.delay(shop_id)
    return len(shop_ids)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=3)
def sync_reconcile_shop(self, shop_id: int) -> None:
    """Repair what lost webhooks left behind for one shop (customers, then orders)."""
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None or not shop.is_installed:
        return
    try:
        for resource in (SyncRun.Resource.CUSTOMERS, SyncRun.Resource.ORDERS):
            reconcile.sync_reconcile(shop=shop, resource=resource)
    except ShopifyRetriableError as exc:
        raise self.retry(exc=exc, countdown=300) from exc


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=5)
def billing_plan_sync(self, shop_id: int) -> None:
    """Settle ``Shop.app_plan`` from Shopify's active subscriptions (after a billing webhook).

    It lives with the sync tasks because it too brings Shopify's state into ours.
    """
    from shopify_app.services import billing

    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None or not shop.is_installed:
        return
    try:
        billing.billing_plan_sync(shop=shop)
    except ShopifyRetriableError as exc:
        raise self.retry(exc=exc, countdown=60) from exc
