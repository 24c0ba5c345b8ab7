"""Webhook handlers of the points program, registered with ``shopify_app``'s dispatcher.

They run after ``shopify_app``'s mirror upserts, in the same transaction, so they read the
mirrored Order/Refund/Customer rows rather than the payload: the mirror already resolved
duplicates and out-of-order deliveries (newest ``updated_at`` wins). Each one reconciles and is
idempotent; none calls Shopify (follow-up work is enqueued on commit by the services).
"""

from __future__ import annotations

from typing import Any

from loyalty.services import earning, members, redemption
from shopify_app.models import Customer, Refund, Shop, WebhookDelivery
from shopify_app.webhooks.payloads import shopify_id


def order_changed(*, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery) -> None:
    """orders/paid, orders/updated, orders/cancelled: reconcile the order's points and mark the
    redemptions whose codes it used."""
    order_id = shopify_id(payload)
    earning.order_points_sync(shop=shop, order_shopify_id=order_id)
    # The codes an order used never change, so the payload's list is as good as the mirror's.
    codes = [str(c.get("code", "")) for c in payload.get("discount_codes") or []]
    if any(codes):
        redemption.redemptions_mark_used(shop=shop, codes=codes, order_shopify_id=order_id)


def orders_changed(*, shop: Shop, deliveries: list[WebhookDelivery]) -> None:
    """The set-based ``order_changed``: the points of every order of the batch at once, then
    the redemptions their codes used, in one statement."""
    order_ids = [shopify_id(d.payload) for d in deliveries]
    earning.orders_points_sync(shop=shop, order_shopify_ids=order_ids)
    uses = [
        (str(c.get("code", "")), order_id)
        for delivery, order_id in zip(deliveries, order_ids, strict=True)
        for c in delivery.payload.get("discount_codes") or []
    ]
    redemption.redemptions_mark_used_many(shop=shop, uses=uses)


def refund_created(*, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery) -> None:
    """refunds/create: reconcile the refunded order (before its orders/paid, this is a no-op
    and the refund is applied when the order's earn is written)."""
    refund = Refund.objects.filter(shop=shop, shopify_id=shopify_id(payload)).first()
    if refund is not None:
        earning.order_points_sync(shop=shop, order_shopify_id=refund.order_shopify_id)


def customer_changed(*, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery) -> None:
    """customers/create, customers/update: enrol the customer when the program's enrolment
    setting says so (with an account, or every customer) — which awards the signup rule to
    one with an account — follow the exclusion tag, and pay the signup rule to a guest member
    who has since created an account."""
    customer = Customer.objects.filter(shop=shop, shopify_id=shopify_id(payload)).first()
    if customer is None or customer.deleted_at or customer.redacted_at:
        return
    members.member_for_earning(customer=customer)
    members.member_exclusion_sync(customer=customer)
    members.member_signup_complete(customer=customer)


HANDLERS = {
    "orders/paid": [order_changed],
    "orders/updated": [order_changed],
    "orders/cancelled": [order_changed],
    "refunds/create": [refund_created],
    "customers/create": [customer_changed],
    "customers/update": [customer_changed],
}

# Set-based forms of the handlers above (see ``shopify_app.webhooks.registry``).
BATCH_HANDLERS = {order_changed: orders_changed}
