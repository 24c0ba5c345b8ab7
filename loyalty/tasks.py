"""Celery tasks of the points program: thin wrappers that take ids and call one service.

Every task is safe to run twice (``acks_late``): the services are idempotent.
"""

from __future__ import annotations

import logging

from celery import shared_task

from loyalty.services import audit, birthdays, expiry, imports, ledger, redemption
from loyalty.vip import tasks as vip_tasks  # noqa: F401  (registers the VIP club's tasks)
from shopify_app.exceptions import ShopifyRetriableError, ShopifyThrottled

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def redemption_issue(self, redemption_id: str) -> None:
    """Create a redemption's discount code. Retries with backoff on retriable Shopify errors;
    the service counts attempts and refunds the points after its last one."""
    try:
        redemption.redemption_issue(redemption_id=redemption_id)
    except ShopifyThrottled as exc:
        raise self.retry(countdown=max(1, int(exc.retry_after)), exc=exc) from exc
    except ShopifyRetriableError as exc:
        raise self.retry(countdown=min(600, 10 * 2**self.request.retries), exc=exc) from exc


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def redemptions_issue(self, redemption_ids: list[str]) -> None:
    """Create the codes of many redemptions (codes the program gives: a VIP tier's perks and
    entry rewards), in order. On Shopify throttling the whole chunk is retried after the wait
    Shopify asks for; the codes already made return at once (``redemption_issue`` is
    idempotent), and the service's attempt count still bounds each redemption's retries."""
    try:
        for redemption_id in redemption_ids:
            redemption.redemption_issue(redemption_id=redemption_id)
    except ShopifyThrottled as exc:
        raise self.retry(countdown=max(1, int(exc.retry_after)), exc=exc) from exc
    except ShopifyRetriableError as exc:
        raise self.retry(countdown=min(600, 10 * 2**self.request.retries), exc=exc) from exc


@shared_task(ignore_result=True)
def redemption_sweep() -> int:
    """Re-enqueue redemptions whose issue task was lost. Beat, every few minutes."""
    return redemption.redemption_sweep()


@shared_task(ignore_result=True)
def points_post_due() -> int:
    """Post held points whose hold period ended. Beat."""
    return ledger.points_post_due()


@shared_task(ignore_result=True)
def points_expire_due() -> int:
    """Expire due lots and inactive balances. Beat, daily."""
    return expiry.points_expire_due()


@shared_task(ignore_result=True)
def expiry_reminders_queue() -> int:
    """Queue 30- and 7-day expiry reminders. Beat, daily."""
    return expiry.expiry_reminders_queue()


@shared_task(ignore_result=True)
def birthday_points_award_due() -> int:
    """Award birthday points for today in each shop's timezone. Beat, hourly."""
    return birthdays.birthday_points_award_due()


@shared_task(ignore_result=True)
def ledger_audit() -> int:
    """Report members whose caches drifted from the ledger (repair is a deliberate operator
    step: ``manage.py loyalty_audit --repair``). Beat, daily."""
    drifts = audit.ledger_audit()
    for drift in drifts:
        logger.error("loyalty ledger drift: %s", drift.describe())
    return len(drifts)


@shared_task(acks_late=True, ignore_result=True)
def points_import_run(batch_id: str) -> None:
    """Run a queued CSV import, recording progress on its ``ImportBatch``. A redelivery after a
    lost worker re-runs it from the start, which the import's keys make harmless."""
    imports.import_batch_run(batch_id=batch_id)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=8)
def launcher_branding_publish(self, shop_id: int) -> None:
    """Write the launcher's branding to the shop's app-data metafield (the storefront button
    reads it). Retries with backoff on retriable Shopify errors; the write is idempotent."""
    from loyalty.services import branding

    try:
        branding.launcher_branding_publish(shop_id=shop_id)
    except ShopifyThrottled as exc:
        raise self.retry(countdown=max(1, int(exc.retry_after)), exc=exc) from exc
    except ShopifyRetriableError as exc:
        raise self.retry(countdown=min(600, 10 * 2**self.request.retries), exc=exc) from exc
