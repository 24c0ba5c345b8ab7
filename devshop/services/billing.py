"""App subscriptions (Billing API, "manual pricing"): create, then approve or decline."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from devshop import clock, conf
from devshop.models import DevAppSubscription, DevSequence, DevShop
from devshop.services.events import emit


def app_subscription_create(
    *,
    shop: DevShop,
    name: str,
    line_items: list[dict[str, Any]],
    return_url: str,
    test: bool = False,
    trial_days: int = 0,
    replacement_behavior: str = "STANDARD",
) -> tuple[DevAppSubscription | None, list[tuple[list[str], str]]]:
    """A PENDING subscription the merchant confirms at ``confirmation_url``."""
    errors: list[tuple[list[str], str]] = []
    if not name.strip():
        errors.append((["name"], "Name can't be blank"))
    if not line_items:
        errors.append((["lineItems"], "Line items can't be blank"))
    for index, item in enumerate(line_items):
        plan = item.get("plan") or {}
        if not plan.get("appRecurringPricingDetails") and not plan.get("appUsagePricingDetails"):
            errors.append((["lineItems", str(index), "plan"], "Plan must have pricing details"))
    if not return_url:
        errors.append((["returnUrl"], "Return url can't be blank"))
    if errors:
        return None, errors
    now = clock.now()
    row = DevAppSubscription.objects.create(
        id=DevSequence.allocate("AppSubscription"),
        shop=shop,
        name=name,
        test=test,
        line_items=line_items,
        return_url=return_url,
        trial_days=trial_days or 0,
        replacement_behavior=replacement_behavior or "STANDARD",
        created_at=now,
        updated_at=now,
    )
    return row, []


def confirmation_url(subscription: DevAppSubscription) -> str:
    shop = subscription.shop
    return (
        f"{conf.shop_origin(shop.domain)}/admin/charges/{conf.client_id()}/{subscription.id}"
        "/RecurringApplicationCharge/confirm_recurring_application_charge"
    )


@transaction.atomic
def app_subscription_decide(
    *, subscription: DevAppSubscription, approve: bool
) -> DevAppSubscription:
    """The merchant approves (→ ACTIVE, replacing the active one) or declines (→ DECLINED).

    Sends ``app_subscriptions/update`` for every subscription whose status changed. Deciding
    twice changes nothing: only a PENDING subscription can be decided.
    """
    row = DevAppSubscription.objects.select_for_update().get(pk=subscription.pk)
    if row.status != DevAppSubscription.Status.PENDING:
        return row
    now = clock.now()
    changed = []
    if approve:
        for active in DevAppSubscription.objects.select_for_update().filter(
            shop=row.shop, status=DevAppSubscription.Status.ACTIVE
        ):
            active.status = DevAppSubscription.Status.CANCELLED
            active.updated_at = now
            active.save(update_fields=["status", "updated_at"])
            changed.append(active)
        row.status = DevAppSubscription.Status.ACTIVE
        row.activated_at = now
    else:
        row.status = DevAppSubscription.Status.DECLINED
    row.updated_at = now
    row.save(update_fields=["status", "activated_at", "updated_at"])
    for item in [*changed, row]:
        emit(row.shop, "app_subscriptions/update", item)
    return row


@transaction.atomic
def app_subscription_cancel(*, subscription: DevAppSubscription) -> DevAppSubscription:
    """Cancel a subscription (``appSubscriptionCancel``) and send ``app_subscriptions/update``.

    Cancelling a cancelled, declined or expired subscription changes nothing and sends
    nothing. ``prorate`` has no effect: devshop moves no money.
    """
    row = DevAppSubscription.objects.select_for_update().get(pk=subscription.pk)
    if row.status not in {DevAppSubscription.Status.ACTIVE, DevAppSubscription.Status.PENDING}:
        return row
    row.status = DevAppSubscription.Status.CANCELLED
    row.updated_at = clock.now()
    row.save(update_fields=["status", "updated_at"])
    emit(row.shop, "app_subscriptions/update", row)
    return row
