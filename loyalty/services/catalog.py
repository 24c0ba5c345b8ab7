"""Staff edits of the earning rules and the rewards catalog.

Each write validates the whole object (``full_clean``: field rules and the model's constraints,
such as one rule per kind, network and handle) and raises ``ValidationError`` with field
errors, writes nothing when invalid, and records itself in the change log in its transaction.
Updates take the version the staff member read (``version_check``). Rules and rewards are
deactivated, never deleted: ledger entries and redemptions point at them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from loyalty.models import EarningRule, Reward
from loyalty.services.changelog import changelog_record, snapshot, version_check
from loyalty.services.invalidation import shop_changed

RULE_FIELDS = frozenset(
    {
        "kind",
        "network",
        "handle",
        "name",
        "points",
        "limit",
        "limit_count",
        "limit_period_days",
        "url",
        "active",
    }
)
REWARD_FIELDS = frozenset(
    {
        "kind",
        "name",
        "points_cost",
        "amount",
        "percent",
        "min_points",
        "max_points",
        "product_variant_id",
        "minimum_order",
        "code_expiry_days",
        "combines_with_order",
        "combines_with_product",
        "combines_with_shipping",
        "active",
        "position",
    }
)


def _only(fields: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    return fields


def _reward_check(reward: Reward) -> None:
    """What each kind of reward needs to issue a code (``redemption`` reads these fields)."""
    errors: dict[str, str] = {}
    kind = reward.kind
    if kind in {Reward.Kind.FIXED_AMOUNT, Reward.Kind.VARIABLE_AMOUNT} and not reward.amount:
        errors["amount"] = "An amount off is required for this kind of reward."
    if reward.amount is not None and reward.amount <= 0:
        errors["amount"] = "The amount off must be more than zero."
    if kind == Reward.Kind.PERCENT_OFF and reward.percent is None:
        errors["percent"] = "A percentage is required for a percent-off reward."
    if kind == Reward.Kind.FREE_PRODUCT and not reward.product_variant_id:
        errors["product_variant_id"] = "Choose the product variant the reward gives."
    if (
        reward.min_points is not None
        and reward.max_points is not None
        and reward.min_points > reward.max_points
    ):
        errors["max_points"] = "The maximum must not be less than the minimum."
    if errors:
        raise ValidationError(errors)


def _save_checked(obj: EarningRule | Reward) -> None:
    obj.full_clean()
    if isinstance(obj, Reward):
        _reward_check(obj)
    obj.save()
    shop_changed(shop_id=obj.shop_id)


@transaction.atomic
def earning_rule_create(*, shop_id: int, staff_user_id: str, fields: dict[str, Any]) -> EarningRule:
    rule = EarningRule(shop_id=shop_id, **_only(fields, RULE_FIELDS))
    _save_checked(rule)
    changelog_record(
        shop_id=shop_id,
        staff_user_id=staff_user_id,
        action="earning_rule.create",
        obj=rule,
        after=snapshot(rule),
    )
    return rule


@transaction.atomic
def earning_rule_update(
    *, rule: EarningRule, staff_user_id: str, version: str | None, fields: dict[str, Any]
) -> EarningRule:
    locked = EarningRule.objects.select_for_update().get(pk=rule.pk, shop_id=rule.shop_id)
    version_check(obj=locked, expected=version)
    before = snapshot(locked)
    for name, value in _only(fields, RULE_FIELDS).items():
        setattr(locked, name, value)
    _save_checked(locked)
    changelog_record(
        shop_id=locked.shop_id,
        staff_user_id=staff_user_id,
        action="earning_rule.update",
        obj=locked,
        before=before,
        after=snapshot(locked),
    )
    return locked


@transaction.atomic
def reward_create(*, shop_id: int, staff_user_id: str, fields: dict[str, Any]) -> Reward:
    reward = Reward(shop_id=shop_id, **_only(fields, REWARD_FIELDS))
    _save_checked(reward)
    changelog_record(
        shop_id=shop_id,
        staff_user_id=staff_user_id,
        action="reward.create",
        obj=reward,
        after=snapshot(reward),
    )
    return reward


@transaction.atomic
def reward_update(
    *, reward: Reward, staff_user_id: str, version: str | None, fields: dict[str, Any]
) -> Reward:
    locked = Reward.objects.select_for_update().get(pk=reward.pk, shop_id=reward.shop_id)
    version_check(obj=locked, expected=version)
    before = snapshot(locked)
    for name, value in _only(fields, REWARD_FIELDS).items():
        setattr(locked, name, value)
    _save_checked(locked)
    changelog_record(
        shop_id=locked.shop_id,
        staff_user_id=staff_user_id,
        action="reward.update",
        obj=locked,
        before=before,
        after=snapshot(locked),
    )
    return locked


@transaction.atomic
def earning_rule_deactivate(*, rule: EarningRule, staff_user_id: str) -> EarningRule:
    """Stop the rule earning from now on; points it gave stay. Idempotent (logged once)."""
    locked = EarningRule.objects.select_for_update().get(pk=rule.pk, shop_id=rule.shop_id)
    if locked.active:
        locked.active = False
        locked.save(update_fields=["active", "updated_at"])
        shop_changed(shop_id=locked.shop_id)
        changelog_record(
            shop_id=locked.shop_id,
            staff_user_id=staff_user_id,
            action="earning_rule.deactivate",
            obj=locked,
            before={"active": True},
            after={"active": False},
        )
    return locked


@transaction.atomic
def reward_deactivate(*, reward: Reward, staff_user_id: str) -> Reward:
    """Take the reward out of the catalog; codes already issued stay valid. Idempotent."""
    locked = Reward.objects.select_for_update().get(pk=reward.pk, shop_id=reward.shop_id)
    if locked.active:
        locked.active = False
        locked.save(update_fields=["active", "updated_at"])
        shop_changed(shop_id=locked.shop_id)
        changelog_record(
            shop_id=locked.shop_id,
            staff_user_id=staff_user_id,
            action="reward.deactivate",
            obj=locked,
            before={"active": True},
            after={"active": False},
        )
    return locked
