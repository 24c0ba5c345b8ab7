"""Webhook handlers of referrals, registered with ``shopify_app``'s dispatcher.

``ReferralsConfig`` comes after ``loyalty`` in INSTALLED_APPS, so for each topic these run
after the mirror upserts and after loyalty's handlers, in the same transaction. Nothing here
depends on loyalty's handlers having run (the friend's own order points and the referrer's
reward are separate entries under separate keys), and loyalty never reads referrals, so the
order between the two apps does not change any result. Each handler reconciles from the
mirror and is idempotent.
"""

from __future__ import annotations

from typing import Any

from referrals.services.attribution import referral_order_sync, referrals_relevant_orders
from shopify_app.models import Refund, Shop, WebhookDelivery
from shopify_app.webhooks.payloads import shopify_id


def order_changed(*, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery) -> None:
    """orders/paid, orders/cancelled: attribute the order to a referral, decide it, reward
    or reverse the referrer."""
    referral_order_sync(shop=shop, order_shopify_id=shopify_id(payload), payload=payload)


def orders_changed(*, shop: Shop, deliveries: list[WebhookDelivery]) -> None:
    """The set-based ``order_changed``: a few statements find the orders of the batch that may
    concern a referral (bound to one, carrying a claimed code or email, or placed by a
    referrer); only those are reconciled, in delivery order. Nothing a delivery does can make
    another order of the batch concern a referral, so this equals running ``order_changed``
    for each delivery in turn."""
    relevant = referrals_relevant_orders(shop=shop, payloads=[d.payload for d in deliveries])
    for delivery in deliveries:
        order_id = shopify_id(delivery.payload)
        if order_id in relevant:
            referral_order_sync(shop=shop, order_shopify_id=order_id, payload=delivery.payload)


def refund_created(*, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery) -> None:
    """refunds/create: a full refund within the hold reverses the referrer's reward."""
    refund = Refund.objects.filter(shop=shop, shopify_id=shopify_id(payload)).first()
    if refund is not None:
        referral_order_sync(shop=shop, order_shopify_id=refund.order_shopify_id, payload=None)


HANDLERS = {
    "orders/paid": [order_changed],
    "orders/cancelled": [order_changed],
    "refunds/create": [refund_created],
}

# Set-based forms of the handlers above (see ``shopify_app.webhooks.registry``).
BATCH_HANDLERS = {order_changed: orders_changed}
