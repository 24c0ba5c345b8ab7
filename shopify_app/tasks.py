"""Celery tasks of the Shopify edge: thin wrappers that take ids and call one service.

Routing: ``shopify_app.tasks.webhook_*`` → the ``webhooks`` queue (settings). Every task is
safe to run twice (``acks_late``: a killed worker's message is delivered again).
"""

from __future__ import annotations

from celery import shared_task

from shopify_app.exceptions import ShopifyRetriableError
from shopify_app.models import Shop
from shopify_app.services import shops, subscriptions
from shopify_app.services import webhooks as webhook_services


@shared_task(acks_late=True, ignore_result=True)
def webhook_delivery_process(delivery_id: int) -> None:
    """Process one inbox row (and a batch of other fresh ones); schedule retries of failures.

    A retry is a new message with a countdown rather than ``self.retry``: the batch may hold
    failures of rows other than ``delivery_id``, each with its own attempt count.
    """
    for outcome in webhook_services.webhook_deliveries_process(delivery_id=delivery_id):
        if outcome.retry:
            webhook_delivery_process.apply_async(
                args=[outcome.delivery_id],
                countdown=webhook_services.retry_delay(outcome.attempts),
            )


@shared_task(ignore_result=True)
def webhook_deliveries_sweep() -> int:
    """Re-enqueue pending deliveries whose message was lost (broker, killed worker). Beat."""
    stale = webhook_services.webhook_deliveries_stale()
    for delivery_id in stale:
        webhook_delivery_process.delay(delivery_id)
    return len(stale)


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
