"""Celery tasks of referrals: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from referrals.services import offers
from shopify_app.exceptions import ShopifyRetriableError, ShopifyThrottled

MAX_RETRIES = 8


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_RETRIES)
def referral_offer_issue(self, referral_id: int) -> None:
    """Create a friend's discount code; retries with backoff on retriable Shopify errors and
    records the error on the referral after the last one."""
    try:
        offers.referral_offer_issue(referral_id=referral_id)
    except ShopifyRetriableError as exc:
        if self.request.retries >= MAX_RETRIES:
            offers.referral_offer_fail(referral_id=referral_id, error=f"gave up: {exc}")
            return
        countdown = (
            max(1, int(exc.retry_after))
            if isinstance(exc, ShopifyThrottled)
            else min(600, 10 * 2**self.request.retries)
        )
        raise self.retry(countdown=countdown, exc=exc) from exc


@shared_task(ignore_result=True)
def referral_offer_sweep() -> int:
    """Re-enqueue friend codes whose creation task was lost. Beat, every few minutes."""
    return offers.referral_offer_sweep()
