"""The admin's onboarding: the program template, enrolment of existing customers (with optional
retroactive points) and launch, each step recorded on ``OnboardingProgress`` so it resumes.

The retroactive preview and its application share one selection (``_retroactive_orders``): the
paid, uncancelled, unrefunded orders of the last N days whose customer is (or is about to
become) an active member and that have earned nothing yet. The apply step passes exactly those
orders to ``orders_points_sync``, which writes ``order:<id>:earn`` entries at the rate the
preview quoted, so the ledger adds up to the preview (a test pins it) and a second apply writes
nothing (the earn keys are unique).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from loyalty.models import EarningRule, Member, OnboardingProgress, OrderPoints, Reward
from loyalty.services.catalog import (
    earning_rule_create,
    earning_rule_update,
    reward_create,
    reward_update,
)
from loyalty.services.changelog import changelog_record, version_of
from loyalty.services.earning import order_eligible_amount, order_points_quote, orders_points_sync
from loyalty.services.program import points_value, program_settings_edit, program_settings_get
from loyalty.services.staff import members_enrol_existing_by_staff
from shopify_app.models import Order, Shop

MAX_RETROACTIVE_DAYS = 365
_BATCH = 500  # orders per orders_points_sync call (one transaction each)

# The template's defaults: 5 points per unit of currency spent, 100 points worth 1 unit, three
# rewards priced at that value, and points for signing up and for a birthday.
TEMPLATE_DEFAULTS: dict[str, Any] = {
    "points_per_unit": Decimal(5),
    "point_value_points": 100,
    "point_value_amount": Decimal(1),
    "signup_points": 100,
    "birthday_points": 250,
    "rewards": [
        {"kind": "fixed_amount", "name": "$5 off", "amount": Decimal(5), "points_cost": 500},
        {"kind": "fixed_amount", "name": "$10 off", "amount": Decimal(10), "points_cost": 1000},
        {"kind": "free_shipping", "name": "Free shipping", "amount": None, "points_cost": 800},
    ],
}


def onboarding_progress_get(*, shop: Shop) -> OnboardingProgress:
    progress, _ = OnboardingProgress.objects.get_or_create(shop=shop)
    return progress


def _progress_locked(shop: Shop) -> OnboardingProgress:
    onboarding_progress_get(shop=shop)
    return OnboardingProgress.objects.select_for_update().get(shop=shop)


@transaction.atomic
def program_template_apply(
    *, shop: Shop, staff_user_id: str, template: dict[str, Any]
) -> OnboardingProgress:
    """Write the (possibly edited) template: the earning rate and point value on the settings,
    the signup and birthday rules, and the rewards. Idempotent: the rules are found by their
    identity (kind) and updated; a reward is found by kind and amount among the active ones and
    updated, so applying twice (a double click, a return to the step) creates nothing new. Each
    write goes through the catalog and settings services (validated, in the change log).
    Raises ``ValidationError`` with field errors."""
    progress = _progress_locked(shop)
    settings = program_settings_get(shop_id=shop.pk)
    program_settings_edit(
        shop_id=shop.pk,
        staff_user_id=staff_user_id,
        version=version_of(settings),
        fields={
            "points_per_unit": template["points_per_unit"],
            "point_value_points": template["point_value_points"],
            "point_value_amount": template["point_value_amount"],
        },
    )
    names = {"signup": "Sign up", "birthday": "Birthday"}
    for kind, name in names.items():
        points = template[f"{kind}_points"]
        rule = EarningRule.objects.filter(shop=shop, kind=kind, network="", handle="").first()
        if rule is None:
            earning_rule_create(
                shop_id=shop.pk,
                staff_user_id=staff_user_id,
                fields={"kind": kind, "name": name, "points": points, "limit": _limit(kind)},
            )
        elif rule.points != points or not rule.active:
            _rule_set(rule, staff_user_id=staff_user_id, points=points)
    for position, item in enumerate(template["rewards"]):
        reward = (
            Reward.objects.filter(shop=shop, kind=item["kind"], amount=item.get("amount"))
            .filter(active=True)
            .order_by("pk")
            .first()
        )
        fields = {
            "kind": item["kind"],
            "name": item["name"],
            "points_cost": item["points_cost"],
            "amount": item.get("amount"),
            "position": position,
        }
        if reward is None:
            reward_create(shop_id=shop.pk, staff_user_id=staff_user_id, fields=fields)
        elif any(getattr(reward, k) != v for k, v in fields.items()):
            reward_update(
                reward=reward,
                staff_user_id=staff_user_id,
                version=version_of(reward),
                fields=fields,
            )
    if progress.template_applied_at is None:
        progress.template_applied_at = timezone.now()
        progress.save(update_fields=["template_applied_at", "updated_at"])
    return progress


def _limit(kind: str) -> str:
    return "once_per_year" if kind == "birthday" else "once"


def _rule_set(rule: EarningRule, *, staff_user_id: str, points: int) -> None:
    earning_rule_update(
        rule=rule,
        staff_user_id=staff_user_id,
        version=version_of(rule),
        fields={"points": points, "active": True},
    )


# --- enrolment with retroactive points --------------------------------------------------------


@dataclass(frozen=True)
class RetroactivePreview:
    days: int
    orders: int
    members: int  # members who would receive points
    points: int
    cost: Decimal  # the points' value in the shop's currency


def _retroactive_orders(*, shop: Shop, days: int, now: datetime) -> list[Order]:
    """Orders of the last ``days`` that retroactive points would earn for (see the module)."""
    from loyalty.selectors import customers_to_enrol  # selectors import services

    since = now - timedelta(days=days)
    to_enrol = customers_to_enrol(shop=shop).filter(excluded_by_tag=False).values("pk")
    active = Member.objects.filter(shop=shop, state=Member.State.ACTIVE).values("customer_id")
    earned = OrderPoints.objects.filter(shop=shop, order_shopify_id=OuterRef("shopify_id"))
    return list(
        Order.objects.filter(
            shop=shop,
            financial_status="paid",
            cancelled_at__isnull=True,
            processed_at__gte=since,
            customer__isnull=False,
        )
        .filter(Q(customer_id__in=to_enrol) | Q(customer_id__in=active))
        .exclude(Exists(earned))
        .order_by("pk")
    )


def enrolment_retroactive_preview(
    *, shop: Shop, days: int, now: datetime | None = None
) -> RetroactivePreview:
    """What ``members_enrol_with_points`` would award for the last ``days`` days: the same
    orders, quoted by the same rate (``order_points_quote``), written nowhere."""
    at = now or timezone.now()
    settings = program_settings_get(shop_id=shop.pk)
    members = {m.customer_id: m for m in Member.objects.filter(shop=shop)}
    points, earners, count = 0, set(), 0
    if days > 0:
        for order in _retroactive_orders(shop=shop, days=days, now=at):
            # A customer not yet enrolled gets a member like any other (no tier: multiplier 1).
            member = members.get(order.customer_id) or Member(shop=shop, customer=order.customer)
            eligible = order_eligible_amount(settings=settings, order=order)
            quoted = order_points_quote(settings=settings, member=member, eligible=eligible)
            if quoted > 0:
                points += quoted
                earners.add(order.customer_id)
                count += 1
    return RetroactivePreview(
        days=days,
        orders=count,
        members=len(earners),
        points=points,
        cost=points_value(settings=settings, points=points),
    )


def members_enrol_with_points(
    *, shop: Shop, staff_user_id: str, days: int, now: datetime | None = None
) -> OnboardingProgress:
    """Enrol the existing customers (``members_enrol_existing_by_staff``), then, when ``days``
    is positive, earn the retroactive orders (``orders_points_sync``, in batches). Idempotent:
    enrolled customers and earned orders are skipped. Runs in the request: the earn is
    set-based, a few statements per batch of 500 orders."""
    at = now or timezone.now()
    created = members_enrol_existing_by_staff(shop=shop, staff_user_id=staff_user_id)
    awarded = 0
    if days > 0:
        ids = [o.shopify_id for o in _retroactive_orders(shop=shop, days=days, now=at)]
        for start in range(0, len(ids), _BATCH):
            orders_points_sync(shop=shop, order_shopify_ids=ids[start : start + _BATCH], now=at)
        awarded = sum(
            OrderPoints.objects.filter(shop=shop, order_shopify_id__in=ids).values_list(
                "awarded", flat=True
            )
        )
        changelog_record(
            shop_id=shop.pk,
            staff_user_id=staff_user_id,
            action="members.retroactive_points",
            object_type="shop",
            object_id=str(shop.pk),
            after={"days": days, "orders": len(ids), "points": awarded},
        )
    with transaction.atomic():
        progress = _progress_locked(shop)
        progress.enrolled_members += created
        progress.retroactive_points += awarded
        progress.retroactive_days = days or progress.retroactive_days
        progress.enrolled_at = progress.enrolled_at or at
        progress.save()
    return progress


# --- launch ------------------------------------------------------------------


@transaction.atomic
def program_launch(*, shop: Shop, staff_user_id: str) -> OnboardingProgress:
    """Launch: the program is enabled and the onboarding done. Idempotent (a second launch
    keeps the first time and writes no change)."""
    progress = _progress_locked(shop)
    settings = program_settings_get(shop_id=shop.pk)
    if not settings.enabled:
        program_settings_edit(
            shop_id=shop.pk,
            staff_user_id=staff_user_id,
            version=version_of(settings),
            fields={"enabled": True},
        )
    if progress.launched_at is None:
        progress.launched_at = timezone.now()
        progress.save(update_fields=["launched_at", "updated_at"])
        changelog_record(
            shop_id=shop.pk,
            staff_user_id=staff_user_id,
            action="program.launch",
            object_type="shop",
            object_id=str(shop.pk),
        )
    return progress
