"""Celery tasks of the Shopify edge: thin wrappers that take ids and call one service.

Routing: ``shopify_app.tasks.webhook_*`` → the ``webhooks`` queue (settings). Every task is
safe to run twice (``acks_late``: a killed worker's message is delivered again).
"""

from __future__ import annotations

from celery import shared_task

from shopify_app.exceptions import ShopifyRetriableError
from shopify_app.models import Shop
from shopify_app.services import shops, subscriptions, webhook_intake
from shopify_app.services import webhooks as webhook_services


def _schedule_retries(outcomes: list[webhook_services.ProcessOutcome]) -> None:
    """A retry is a new message with a countdown rather than ``self.retry``: a batch may hold
    failures of several rows, each with its own attempt count."""
    for outcome in outcomes:
        if outcome.retry:
            webhook_delivery_process.apply_async(
                args=[outcome.delivery_id],
                countdown=webhook_services.retry_delay(outcome.attempts),
            )


@shared_task(acks_late=True, ignore_result=True)
def webhook_delivery_process(delivery_id: int) -> None:
    """Process one inbox row (and a batch of other fresh ones); schedule retries of failures.

    Sent for retries (a wake-up at the end of the backoff stored on the row) and replays;
    fresh, stranded and due rows are drained instead.
    """
    _schedule_retries(webhook_services.webhook_deliveries_process(delivery_id=delivery_id))


@shared_task(acks_late=True, ignore_result=True)
def webhook_deliveries_drain() -> None:
    """Process due inbox rows batch after batch until none is left (the intake's wake-up, and
    the sweeper's and a worker's on (re)connecting to the broker).

    A full first batch means a backlog: one more drain is published so another worker joins
    (claims skip each other's locked rows). After ``DRAIN_MAX_BATCHES`` the rest is handed to a
    new message.
    """
    webhook_intake.webhook_drain_started()
    batch = webhook_services.PROCESS_BATCH
    for number in range(webhook_services.DRAIN_MAX_BATCHES):
        outcomes = webhook_services.webhook_deliveries_process(delivery_id=None, batch=batch)
        _schedule_retries(outcomes)
        if len(outcomes) < batch:
            return
        if number == 0:
            webhook_deliveries_drain.delay()
    webhook_deliveries_drain.delay()


@shared_task(ignore_result=True)
def webhook_deliveries_prune() -> int:
    """Delete inbox rows past their retention (their bodies hold personal data). Beat, daily."""
    return webhook_services.webhook_deliveries_prune()


@shared_task(ignore_result=True)
def webhook_deliveries_sweep() -> int:
    """Publish drains for stranded deliveries (a lost message, a killed worker). Beat, every few
    seconds: when nothing is stranded it costs one index probe. Returns how many it found."""
    stranded = webhook_services.webhook_deliveries_stranded()
    if stranded:
        batches = -(-len(stranded) // webhook_services.PROCESS_BATCH)
        for _ in range(min(batches, webhook_services.SWEEP_MAX_DRAINS)):
            webhook_deliveries_drain.delay()
    return len(stranded)


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(ShopifyRetriableError,),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    max_retries=8,
)
def webhook_subscriptions_ensure(shop_id: int) -> None:
    """Create the shop's missing webhook subscriptions (post-install hook).

    Retries only what can pass later (5xx, throttling, timeouts); a refusal (userErrors, a
    revoked token) is not retried.
    """
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None or not shop.is_installed:
        return
    subscriptions.webhook_subscriptions_ensure(shop=shop)


def webhook_subscriptions_ensure_hook(*, shop_id: int) -> None:
    """The post-install hook: enqueue, never call Shopify inside the install request."""
    webhook_subscriptions_ensure.delay(shop_id)


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(ShopifyRetriableError,),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    max_retries=8,
)
def shop_details_refresh(shop_id: int) -> None:
    """Copy the shop's name, email, currency, timezone and plan from Shopify (post-install).

    Retries only transient failures; a revoked token is not retried (the next install runs the
    hook again).
    """
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None or not shop.is_installed:
        return
    shops.shop_details_refresh(shop=shop)


def shop_details_refresh_hook(*, shop_id: int) -> None:
    """The post-install hook: enqueue, never call Shopify inside the install transaction."""
    shop_details_refresh.delay(shop_id)
