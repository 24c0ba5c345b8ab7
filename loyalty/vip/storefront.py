"""The launcher's "vip" section: the club's tiers for everyone, and for a member their tier,
its perks, the day it is kept until and the way to the next one. A tier's benefits include its
automatic discount (percent off every order) and its recurring perk (the kind of code, and each
month or quarter), as data: the widget words them in the shopper's language.

Queries, whatever the member's history: the active tiers of an enabled club (one; none at all
means no section), then for a signed-in shopper the member (one) and their tier with their
value of every basis (one, from the same facts the evaluation decides on:
``vip.evaluation.MEMBER_BASIS_SQL``). ``tests/loyalty/vip/test_storefront.py`` pins them.

Money is a decimal string in the shop's currency; counts of points and orders are whole-number
strings. The widget composes its sentences ("Spend $40.00 more to reach Gold") from ``basis``
and ``remaining`` in the shopper's language.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from loyalty.models import Member
from loyalty.services.program import shop_zone
from loyalty.storefront.selectors import storefront_member_get
from loyalty.vip.evaluation import MEMBER_BASIS_SQL, windows_at
from loyalty.vip.models import Tier
from shopify_app.storefront import StorefrontContext

_TIERS_SQL = """
SELECT t.id, t.name, t.rank, t.basis, t.period, t.threshold, t.multiplier, t.perks,
  t.invitation_only, t.discount_percent, t.perk_every, r.kind, r.percent
FROM loyalty_tier t JOIN loyalty_vipprogram p ON p.shop_id = t.shop_id AND p.enabled
  -- In the same statement: the perk's reward, only while active (the beat issues no other).
  LEFT JOIN loyalty_reward r ON r.id = t.perk_reward_id AND r.shop_id = t.shop_id AND r.active
WHERE t.shop_id = %s AND t.active
ORDER BY t.rank, t.id
"""
_TIER_COLUMNS = (
    "id", "name", "rank", "basis", "period", "threshold", "multiplier", "perks", "invitation_only",
    "discount_percent", "perk_every", "perk_kind", "perk_percent",
)  # fmt: skip


def _amount(basis: str, value: Decimal) -> str:
    """A threshold or a remainder: money to the cent for spending, whole numbers otherwise."""
    if basis == Tier.Basis.SPENT:
        return str(value.quantize(Decimal("0.01")))
    return str(int(value.to_integral_value(rounding="ROUND_CEILING")))


def _plain(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def _perks(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _benefits(tier: dict[str, Any] | None) -> dict[str, Any]:
    """A tier's automatic discount ("12.5", or null: none) and recurring perk (or null)."""
    if tier is None:
        return {"discount_percent": None, "perk": None}
    percent = tier["discount_percent"] or Decimal(0)
    perk = None
    if tier["perk_every"] and tier["perk_kind"]:
        perk = {
            "kind": tier["perk_kind"],
            "percent": _plain(tier["perk_percent"]) if tier["perk_percent"] is not None else None,
            "every": tier["perk_every"],
        }
    return {"discount_percent": _plain(percent) if percent > 0 else None, "perk": perk}


def _last_day(kept_until: datetime | None, timezone_name: str) -> str | None:
    """The last day (in the shop's timezone) the tier is kept: a term ends at midnight, so the
    day before its end is the last one it covers."""
    if kept_until is None:
        return None
    local = (kept_until - timedelta(microseconds=1)).astimezone(shop_zone(timezone_name))
    return local.date().isoformat()


def vip_section(*, context: StorefrontContext) -> dict[str, Any] | None:
    with connection.cursor() as db:
        db.execute(_TIERS_SQL, [context.shop.pk])
        tiers = [dict(zip(_TIER_COLUMNS, row, strict=True)) for row in db.fetchall()]
    if not tiers:
        return None  # no club, or the merchant switched it off
    member = storefront_member_get(context=context)
    state = None
    if member is not None and member.state == Member.State.ACTIVE:
        state = _member_state(context=context, member=member, tiers=tiers)
    current_id = state["tier"]["id"] if state and state["tier"] else None
    return {
        "tiers": [
            {
                "id": t["id"],
                "name": t["name"],
                "rank": t["rank"],
                "basis": t["basis"],
                "period": t["period"],
                "threshold": _amount(t["basis"], t["threshold"]),
                "multiplier": _plain(t["multiplier"]),
                "perks": _perks(t["perks"]),
                **_benefits(t),
                "current": t["id"] == current_id,
            }
            for t in tiers
            if not t["invitation_only"]
        ],
        "member": state,
    }


def _member_state(
    *, context: StorefrontContext, member: Member, tiers: list[dict[str, Any]]
) -> dict[str, Any]:
    windows = windows_at(timezone_name=context.shop.timezone, now=timezone.now())
    params = {
        "shop": context.shop.pk,
        "member_ids": [member.pk],
        "now": windows.now,
        "year_start": windows.year_start,
        "rolling_start": windows.rolling_start,
    }
    with connection.cursor() as db:
        db.execute(MEMBER_BASIS_SQL, params)
        columns = [c.name for c in db.description or []]
        row = dict(zip(columns, db.fetchone() or [None] * len(columns), strict=True))
    tier = None
    if row.get("tier_id") is not None:
        tier = {
            "id": row["tier_id"],
            "name": row["name"],
            "multiplier": _plain(row["multiplier"]),
            "perks": _perks(row["perks"]),
            "invitation_only": row["invitation_only"],
            # From the tiers read already; a tier deactivated since (kept by its member) has
            # neither: its discount and perk stop with it.
            **_benefits(next((t for t in tiers if t["id"] == row["tier_id"]), None)),
        }
    rank = row["rank"] if row.get("tier_id") is not None else 0
    following = [t for t in tiers if t["rank"] > rank and not t["invitation_only"]]
    progress = None
    if following:
        target = following[0]
        value = Decimal(row.get(f"{target['basis']}_{target['period']}") or 0)
        progress = {
            "tier": target["name"],
            "basis": target["basis"],
            "period": target["period"],
            "remaining": _amount(target["basis"], max(target["threshold"] - value, Decimal(0))),
            "threshold": _amount(target["basis"], target["threshold"]),
        }
    return {
        "tier": tier,
        "kept_until": _last_day(row.get("kept_until"), context.shop.timezone),
        "progress": progress,
    }
