"""Webhook handlers of the VIP club: upgrade at once on the events that move a basis.

Registered after ``loyalty``'s own handlers for the same topics (``LoyaltyConfig.ready``), so
they run in the same transaction right after an order's points (or a refund's reversal) are
written, and read those rows. Each re-decides only the members the event touched; the policy
decides whether a refund takes a tier away now or at the end of its term. An order that bought
a tier's membership product grants it, and its refund or cancellation revokes it
(``vip.memberships``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists

from loyalty.models import OrderPoints
from loyalty.vip.memberships import memberships_refresh, memberships_sync
from loyalty.vip.models import Tier, TierPurchase, VipProgram
from loyalty.vip.services import member_tiers_evaluate
from shopify_app.models import Refund, Shop, WebhookDelivery
from shopify_app.webhooks.payloads import shopify_id


def _evaluate_orders(*, shop: Shop, order_ids: list[int]) -> None:
    # One query for a shop without a club: this runs on every order webhook (and batch).
    # The same one query tells whether the shop sells (or has sold) a membership.
    program = (
        VipProgram.objects.filter(shop=shop, enabled=True)
        .annotate(
            sells=Exists(
                Tier.objects.filter(shop=shop, active=True, membership_variant_id__isnull=False)
            ),
            sold=Exists(TierPurchase.objects.filter(shop=shop)),
        )
        .values_list("sells", "sold")
        .first()
    )
    if program is None:
        return
    if any(program):
        # Memberships first: a bought tier is held, so the evaluation below keeps it (unless
        # the member's own basis earns a higher one).
        memberships_sync(shop=shop, order_shopify_ids=order_ids)
    member_ids = sorted(
        set(
            OrderPoints.objects.filter(shop=shop, order_shopify_id__in=order_ids).values_list(
                "member_id", flat=True
            )
        )
    )
    if member_ids:
        member_tiers_evaluate(shop=shop, member_ids=member_ids)
        if any(program):
            # A refund may have taken a member below a tier they bought: it holds again.
            memberships_refresh(shop=shop, member_ids=member_ids)


def order_tier_evaluate(*, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery) -> None:
    """orders/paid, orders/updated, orders/cancelled: the order's member, re-decided."""
    _evaluate_orders(shop=shop, order_ids=[shopify_id(payload)])


def orders_tier_evaluate(*, shop: Shop, deliveries: list[WebhookDelivery]) -> None:
    """The set-based form: every member of the batch's orders in one evaluation statement."""
    _evaluate_orders(shop=shop, order_ids=[shopify_id(d.payload) for d in deliveries])


def refund_tier_evaluate(*, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery) -> None:
    """refunds/create: the refunded order's member, re-decided on the recomputed basis."""
    refund = Refund.objects.filter(shop=shop, shopify_id=shopify_id(payload)).first()
    if refund is not None:
        _evaluate_orders(shop=shop, order_ids=[refund.order_shopify_id])


HANDLERS = {
    "orders/paid": [order_tier_evaluate],
    "orders/updated": [order_tier_evaluate],
    "orders/cancelled": [order_tier_evaluate],
    "refunds/create": [refund_tier_evaluate],
}
BATCH_HANDLERS = {order_tier_evaluate: orders_tier_evaluate}
