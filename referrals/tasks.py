"""Celery tasks of referrals: thin wrappers that take ids and call one service."""

from __future__ import annotations

from collections.abc import Callable

from celery import shared_task

from referrals.services import offers, rewards
from shopify_app.exceptions import ShopifyRetriableError, ShopifyThrottled

MAX_RETRIES = 8


def _with_retries(task, *, run: Callable[[], object], fail: Callable[[str], None]) -> None:
    """``run()``; on a retriable Shopify error retry with backoff (Shopify's wait when it
    throttled), and after the last retry ``fail(reason)`` records it on the referral."""
    try:
        run()
    except ShopifyRetriableError as exc:
        retries = task.request.retries
        if retries >= MAX_RETRIES:
            fail(f"gave up: {exc}")
            return
        countdown = (
            max(1, int(exc.retry_after))
            if isinstance(exc, ShopifyThrottled)
            else min(600, 10 * 2**retries)
        )
        raise task.retry(countdown=countdown, exc=exc) from exc


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_RETRIES)
def referral_offer_issue(self, referral_id: int) -> None:
    """Create a friend's discount code; retries with backoff on retriable Shopify errors and
    records the error on the referral after the last one."""
    _with_retries(
        self,
        run=lambda: offers.referral_offer_issue(referral_id=referral_id),
        fail=lambda error: offers.referral_offer_fail(referral_id=referral_id, error=error),
    )


@shared_task(ignore_result=True)
def referral_offer_sweep() -> int:
    """Re-enqueue friend codes whose creation task was lost. Beat, every few minutes."""
    return offers.referral_offer_sweep()


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_RETRIES)
def referral_reward_code_sync(self, referral_id: int) -> None:
    """Make (or void) the referrer's catalog-reward code; retries with backoff on retriable
    Shopify errors and records the error on the referral after the last one."""
    _with_retries(
        self,
        run=lambda: rewards.referral_reward_code_sync(referral_id=referral_id),
        fail=lambda error: rewards.referral_reward_fail(referral_id=referral_id, error=error),
    )


@shared_task(ignore_result=True)
def referral_reward_sweep() -> int:
    """Re-enqueue reward codes whose sync task was lost. Beat, every few minutes."""
    return rewards.referral_reward_sweep()
