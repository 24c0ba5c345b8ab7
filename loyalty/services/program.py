"""A shop's program settings and the date arithmetic that follows from them."""

from __future__ import annotations

import calendar
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction

from loyalty.models import ProgramSettings
from loyalty.services.changelog import changelog_record, snapshot, version_check
from loyalty.services.invalidation import shop_changed


def shop_zone(name: str) -> ZoneInfo:
    """The shop's IANA timezone (``Shop.timezone``); UTC when it is empty or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def program_settings_get(*, shop_id: int) -> ProgramSettings:
    """The shop's settings, created with the defaults on first use (a concurrent first use is
    resolved by the one-to-one constraint: the loser reads the winner's row)."""
    settings, _ = ProgramSettings.objects.get_or_create(shop_id=shop_id)
    return settings


@transaction.atomic
def program_settings_update(*, shop_id: int, **fields: Any) -> ProgramSettings:
    """Change some settings after validating them (``full_clean``). Raises ``ValidationError``."""
    settings = program_settings_get(shop_id=shop_id)
    settings = ProgramSettings.objects.select_for_update().get(pk=settings.pk)
    for name, value in fields.items():
        if name in {"id", "shop", "shop_id", "created_at", "updated_at"}:
            raise ValueError(f"{name} cannot be changed")
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    shop_changed(shop_id=shop_id)
    _branding_changed(shop_id=shop_id, fields=fields)
    return settings


# What staff may change from the admin (the rest is identity or bookkeeping).
EDITABLE_SETTINGS = frozenset(
    {
        "enabled",
        "points_per_unit",
        "include_shipping",
        "include_tax",
        "exclude_gift_cards",
        "minimum_order",
        "hold_days",
        "point_value_points",
        "point_value_amount",
        "enrolment",
        "enrolment_scope",
        "exclusion_tag",
        "expiry_mode",
        "expiry_months",
        "code_prefix",
        # The launcher's branding and texts (the Branding page).
        "program_name",
        "launcher_label",
        "launcher_position",
        "launcher_button_color",
        "launcher_text_color",
        "launcher_icon",
        "launcher_texts",
    }
)


@transaction.atomic
def program_settings_edit(
    *, shop_id: int, staff_user_id: str, version: str | None, fields: dict[str, Any]
) -> ProgramSettings:
    """A staff member's edit of the settings they read at ``version``: refused with
    ``VersionConflict`` when someone saved since (checked under the row lock, so two
    concurrent edits cannot both pass), validated (``ValidationError``), and recorded in the
    change log."""
    unknown = set(fields) - EDITABLE_SETTINGS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    settings = program_settings_get(shop_id=shop_id)
    settings = ProgramSettings.objects.select_for_update().get(pk=settings.pk)
    version_check(obj=settings, expected=version)
    before = snapshot(settings)
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    shop_changed(shop_id=shop_id)
    _branding_changed(shop_id=shop_id, fields=fields)
    changelog_record(
        shop_id=shop_id,
        staff_user_id=staff_user_id,
        action="program_settings.update",
        obj=settings,
        before=before,
        after=snapshot(settings),
    )
    return settings


def _branding_changed(*, shop_id: int, fields: dict[str, Any]) -> None:
    """The storefront button's look is a Shopify metafield too (``branding``): rewrite it after
    commit when a field it carries was in the edit."""
    from loyalty.services.branding import BRANDING_FIELDS
    from loyalty.tasks import launcher_branding_publish as launcher_branding_publish_task

    if BRANDING_FIELDS & set(fields):
        transaction.on_commit(lambda: launcher_branding_publish_task.delay(shop_id=shop_id))


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` moved by whole calendar months, clamping the day (Jan 31 + 1 → Feb 28/29)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def lot_expires_at(*, settings: ProgramSettings, earned_at: datetime) -> datetime | None:
    """When a lot earned at ``earned_at`` expires under per-lot expiry; None otherwise."""
    if settings.expiry_mode != ProgramSettings.ExpiryMode.LOT:
        return None
    return add_months(earned_at, settings.expiry_months)


def points_value(*, settings: ProgramSettings, points: int) -> Decimal:
    """The cash value of ``points`` in the shop's currency (how rewards are shown)."""
    value = Decimal(points) * settings.point_value_amount / Decimal(settings.point_value_points)
    return value.quantize(Decimal("0.01"))
