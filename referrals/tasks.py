"""Celery tasks of referrals: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from referrals.services import offers, rewards
from shopify_app.exceptions import ShopifyRetriableError, ShopifyThrottled

MAX_RETRIES = 8


def _countdown(exc: ShopifyRetriableError, retries: int) -> int:
    if isinstance(exc, ShopifyThrottled):
        return max(1, int(exc.retry_after))
    return min(600, 10 * 2**retries)


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
        raise self.retry(countdown=_countdown(exc, self.request.retries), exc=exc) from exc


@shared_task(ignore_result=True)
def referral_offer_sweep() -> int:
    """Re-enqueue friend codes whose creation task was lost. Beat, every few minutes."""
    return offers.referral_offer_sweep()


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_RETRIES)
def referral_reward_code_sync(self, referral_id: int) -> None:
    """Make (or void) the referrer's catalog-reward code; retries with backoff on retriable
    Shopify errors and records the error on the referral after the last one."""
    try:
        rewards.referral_reward_code_sync(referral_id=referral_id)
    except ShopifyRetriableError as exc:
        if self.request.retries >= MAX_RETRIES:
            rewards.referral_reward_fail(referral_id=referral_id, error=f"gave up: {exc}")
            return
        raise self.retry(countdown=_countdown(exc, self.request.retries), exc=exc) from exc


@shared_task(ignore_result=True)
def referral_reward_sweep() -> int:
    """Re-enqueue reward codes whose sync task was lost. Beat, every few minutes."""
    return rewards.referral_reward_sweep()
