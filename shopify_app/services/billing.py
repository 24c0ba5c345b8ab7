"""Billing through Shopify (Billing API, "manual pricing"; shopify-platform.md §11).

Two plans: ``free`` needs no charge at all; ``pro`` is a recurring subscription the merchant
approves on Shopify's confirmation page. The outcome is read from
``currentAppInstallation.activeSubscriptions`` — never from the redirect back to ``returnUrl``,
which anyone can forge — and ``app_subscriptions/update`` keeps ``Shop.app_plan`` current when
the merchant approves, declines, or Shopify cancels or freezes the charge later. Charges are
``test: true`` (no money moves) on development stores or when ``SHOPIFY_BILLING_TEST`` is on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from config.exceptions import AppError
from shopify_app import admin_api
from shopify_app.graphql import billing as documents
from shopify_app.http import admin_app_url
from shopify_app.models import Shop, WebhookDelivery

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Plan:
    handle: str  # stored in Shop.app_plan
    name: str  # the subscription's name at Shopify, how we recognise it
    price: Decimal | None = None  # None: free, no charge
    currency: str = "USD"
    interval: str = "EVERY_30_DAYS"
    trial_days: int = 0


FREE = Plan(handle="free", name="Free")
PRO = Plan(handle="pro", name="Loyalty Pro", price=Decimal("29.00"), trial_days=14)
PLANS = {plan.handle: plan for plan in (FREE, PRO)}
_BY_NAME = {plan.name: plan for plan in PLANS.values()}


class UnknownPlan(AppError):
    """There is no such plan."""

    status = 400
    code = "unknown_plan"


@dataclass(frozen=True, slots=True)
class SubscribeResult:
    plan: str  # the shop's plan now (unchanged until the merchant approves a paid plan)
    confirmation_url: str | None  # where to send the merchant (top level), for a paid plan


def billing_return_url(*, shop: Shop) -> str:
    """Where Shopify sends the merchant after the confirmation page (it appends ``charge_id``).

    The app inside the admin, as Shopify's own libraries do: a top-level page of our origin
    carries no session token, while the admin embeds us with one, and the embedded load reads
    the plan from Shopify when it sees ``charge_id``.
    """
    return admin_app_url(host=None, shop=shop.domain)


def _is_test_charge(shop: Shop) -> bool:
    if settings.SHOPIFY_BILLING_TEST:
        return True
    data = admin_api.execute(shop=shop, document=documents.SHOP_PLAN)
    return bool(((data.get("shop") or {}).get("plan") or {}).get("partnerDevelopment"))


def _active_subscriptions(shop: Shop) -> list[dict[str, Any]]:
    data = admin_api.execute(shop=shop, document=documents.ACTIVE_SUBSCRIPTIONS)
    return (data.get("currentAppInstallation") or {}).get("activeSubscriptions") or []


def _plan_set(*, shop: Shop, plan: str) -> str:
    Shop.objects.filter(pk=shop.pk).exclude(app_plan=plan).update(app_plan=plan)
    shop.app_plan = plan
    return plan


def billing_plan_subscribe(
    *, shop: Shop, plan: str, return_url: str | None = None
) -> SubscribeResult:
    """Move ``shop`` to ``plan``.

    Paid plan: creates a PENDING ``appSubscription`` (test on development stores) and returns
    its confirmation URL; the plan changes only once Shopify reports it active (webhook or
    ``billing_plan_sync``). Free plan: cancels any active subscription of ours and writes
    ``Shop.app_plan = "free"`` at once. Raises ``UnknownPlan``, ``ShopifyUserErrors`` (Shopify
    refused the charge) and the admin client's errors. Calls Shopify, so never inside a
    transaction. Repeating a paid subscribe creates another pending charge; only the one the
    merchant approves becomes active (``APPLY_IMMEDIATELY`` replaces the previous one).
    """
    chosen = PLANS.get(plan)
    if chosen is None:
        raise UnknownPlan(f"Unknown plan {plan!r}.", extra={"plans": sorted(PLANS)})
    if chosen.price is None:
        for subscription in _active_subscriptions(shop):
            if subscription.get("name") in _BY_NAME:
                admin_api.mutate(
                    shop=shop,
                    document=documents.APP_SUBSCRIPTION_CANCEL,
                    variables={"id": subscription["id"]},
                    field="appSubscriptionCancel",
                )
        return SubscribeResult(plan=_plan_set(shop=shop, plan=chosen.handle), confirmation_url=None)
    payload = admin_api.mutate(
        shop=shop,
        document=documents.APP_SUBSCRIPTION_CREATE,
        variables={
            "name": chosen.name,
            "lineItems": [
                {
                    "plan": {
                        "appRecurringPricingDetails": {
                            "price": {"amount": str(chosen.price), "currencyCode": chosen.currency},
                            "interval": chosen.interval,
                        }
                    }
                }
            ],
            "returnUrl": return_url or billing_return_url(shop=shop),
            "test": _is_test_charge(shop),
            "trialDays": chosen.trial_days,
        },
        field="appSubscriptionCreate",
    )
    return SubscribeResult(plan=shop.app_plan, confirmation_url=payload.get("confirmationUrl"))


def billing_plan_sync(*, shop: Shop) -> str:
    """Read the shop's active subscriptions from Shopify and write ``Shop.app_plan``.

    The truth after the merchant returns from the confirmation page, and after any webhook.
    No active subscription of ours means ``free``. Idempotent.
    """
    plans = [
        _BY_NAME[s["name"]]
        for s in _active_subscriptions(shop)
        if s.get("name") in _BY_NAME and s.get("status") == "ACTIVE"
    ]
    best = max(plans, key=lambda p: p.price or Decimal("0"), default=FREE)
    return _plan_set(shop=shop, plan=best.handle)


# Statuses after which a subscription no longer grants its plan.
_ENDED = {"CANCELLED", "DECLINED", "EXPIRED", "FROZEN"}


def app_subscription_updated(
    *, shop: Shop, payload: dict[str, Any], delivery: WebhookDelivery
) -> None:
    """``app_subscriptions/update``: keep ``Shop.app_plan`` current, then confirm with Shopify.

    ACTIVE → that plan. An ended subscription (cancelled, declined, expired, frozen) → free, but
    only if it is the plan the shop is on: upgrading cancels the old subscription, and its
    CANCELLED may arrive after the new one's ACTIVE. Deliveries can come out of order, so a
    ``billing_plan_sync`` (which asks Shopify) is enqueued on commit to settle the final state.
    Subscriptions of unknown names are not ours to interpret.
    """
    from shopify_app.sync.tasks import billing_plan_sync as billing_plan_sync_task

    subscription = payload.get("app_subscription") or {}
    plan = _BY_NAME.get(str(subscription.get("name", "")))
    status = str(subscription.get("status", "")).upper()
    if plan is None:
        logger.info("app_subscriptions/update for an unknown plan on %s", shop.domain)
        return
    if status == "ACTIVE":
        _plan_set(shop=shop, plan=plan.handle)
    elif status in _ENDED and Shop.objects.get(pk=shop.pk).app_plan == plan.handle:
        _plan_set(shop=shop, plan=FREE.handle)
    transaction.on_commit(lambda: billing_plan_sync_task.delay(shop.pk))


def register() -> None:
    from shopify_app.webhooks.registry import register_handler

    register_handler("app_subscriptions/update", app_subscription_updated)
