"""The launcher's "points" section: program, ways to earn, rewards and the member's state.

A fixed number of queries whatever the member's history or number of codes (the state test
pins it): settings, member, rules (with whether the member earned each), rewards, pending
entries, expiring lots, codes, and a history page (two). Money is a decimal string in the shop's
currency (DRF would render a Decimal as a float); points are integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from loyalty.models import EarningRule, Member, ProgramSettings, Redemption, Reward
from loyalty.services.program import points_value
from loyalty.storefront.history import history_page
from shopify_app.models import Shop
from shopify_app.storefront import StorefrontContext

# How many pending entries, expiring lots and codes the state carries (the nearest/newest).
PENDING_SHOWN = 5
EXPIRING_SHOWN = 3
CODES_SHOWN = 20
_TITLES = {
    EarningRule.Kind.SIGNUP: "Create an account",
    EarningRule.Kind.BIRTHDAY: "Celebrate your birthday",
    EarningRule.Kind.SOCIAL_FOLLOW: "Follow us",
    EarningRule.Kind.PRODUCT_REVIEW: "Write a review",
}


# The reads below are raw SQL: building them with the ORM cost most of GET state's CPU
# (bench/storefront_state.py), far more than PostgreSQL spent answering them.
_SETTINGS_SQL = "SELECT * FROM loyalty_programsettings WHERE shop_id = %s ORDER BY id LIMIT 1"
_MEMBER_ROW_SQL = "SELECT * FROM loyalty_member WHERE shop_id = %s AND customer_id = %s LIMIT 1"
# Active rules, and whether the member earned each already (a NULL member earned none).
_RULES_SQL = """
SELECT r.id, r.kind, r.name, r.points, r."limit", r.network, r.url,
       EXISTS (SELECT 1 FROM loyalty_pointstransaction t
               WHERE t.member_id = %(member)s AND t.source_type = 'rule'
                 AND t.source_id = r.id::text AND t.status <> 'void') AS earned
FROM loyalty_earningrule r
WHERE r.shop_id = %(shop)s AND r.active
ORDER BY r.kind, r.id
"""
_REWARDS_SQL = """
SELECT id, kind, name, points_cost, amount, percent, min_points, max_points, minimum_order
FROM loyalty_reward
WHERE shop_id = %(shop)s AND active
ORDER BY position, points_cost, id
"""
# The member's nearest pending entries ("p"), next expiring lots ("e") and newest codes ("c"),
# in one round trip; n keeps each part's order.
_MEMBER_SQL = """
SELECT part, points, at, code, title, amount, percent, status, created_at, ends_at FROM (
    (SELECT 'p' AS part, amount AS points, posts_at AS at, NULL AS code, NULL AS title,
            NULL::numeric AS amount, NULL::numeric AS percent, NULL AS status,
            NULL::timestamptz AS created_at, NULL::timestamptz AS ends_at,
            row_number() OVER (ORDER BY posts_at, id) AS n
     FROM loyalty_pointstransaction
     WHERE member_id = %(member)s AND status = 'pending'
     ORDER BY posts_at, id LIMIT %(pending)s)
    UNION ALL
    (SELECT 'e', remaining, expires_at, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
            row_number() OVER (ORDER BY expires_at, id)
     FROM loyalty_pointslot
     WHERE member_id = %(member)s AND remaining > 0 AND expires_at > %(now)s
     ORDER BY expires_at, id LIMIT %(expiring)s)
    UNION ALL
    (SELECT 'c', NULL, NULL, code, offer ->> 'name', amount, percent, status, created_at,
            ends_at, row_number() OVER (ORDER BY created_at DESC)
     FROM loyalty_redemption
     WHERE member_id = %(member)s AND status <> 'refunded'
     ORDER BY created_at DESC LIMIT %(codes)s)
) AS parts
ORDER BY part, n
"""


@dataclass
class _Rule:
    pk: int
    kind: str
    name: str
    points: int
    limit: str
    network: str
    url: str
    earned: bool


@dataclass
class _Reward:
    pk: int
    kind: str
    name: str
    points_cost: int
    amount: Decimal | None
    percent: Decimal | None
    min_points: int | None
    max_points: int | None
    minimum_order: Decimal | None


@dataclass
class _Code:
    code: str
    title: str | None
    amount: Decimal | None
    percent: Decimal | None
    status: str
    created_at: Any
    ends_at: Any


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def storefront_settings_get(*, context: StorefrontContext) -> ProgramSettings:
    """The shop's settings, read once per request; the defaults (unsaved) when it has none
    yet, so a GET writes nothing."""
    if "loyalty.settings" not in context.memo:
        settings = next(iter(ProgramSettings.objects.raw(_SETTINGS_SQL, [context.shop.pk])), None)
        context.memo["loyalty.settings"] = settings or ProgramSettings(shop_id=context.shop.pk)
    return context.memo["loyalty.settings"]


def storefront_member_get(*, context: StorefrontContext) -> Member | None:
    if context.customer is None:
        return None
    return next(
        iter(Member.objects.raw(_MEMBER_ROW_SQL, [context.shop.pk, context.customer.pk])), None
    )


def points_section(*, context: StorefrontContext) -> dict[str, Any]:
    shop = context.shop
    settings = storefront_settings_get(context=context)
    member = storefront_member_get(context=context)
    data = None if member is None else member_json(settings=settings, member=member, shop=shop)
    if data is not None:
        # The clock alone changes these: a pending entry posts, a lot expires, a code ends.
        for at in (
            *(p["posts_at"] for p in data["pending_lots"][:1]),
            *(e["expires_at"] for e in data["expiring"][:1]),
            *(c["expires_at"] for c in data["codes"]),
        ):
            if at is not None and at > timezone.now():
                context.changes_at(at)
    return {
        "program": {
            "enabled": settings.enabled,
            "opt_in": settings.enrolment == settings.Enrolment.OPT_IN,
            "point_value": {
                "points": settings.point_value_points,
                "amount": _money(settings.point_value_amount),
            },
            # A signed-in shopper who is not a member yet may POST join.
            "can_join": settings.enabled and context.customer_id is not None and member is None,
        },
        "ways_to_earn": ways_to_earn(settings=settings, member=member),
        "rewards": rewards(settings=settings, member=member),
        "member": data,
    }


def ways_to_earn(*, settings, member: Member | None) -> list[dict[str, Any]]:
    ways: list[dict[str, Any]] = []
    if settings.points_per_unit > 0:
        ways.append(
            {
                "id": None,
                "kind": "order",
                "title": "Place an order",
                # Points per 1 unit of the shop's currency, e.g. "5" or "0.5".
                "points_per_unit": _plain(settings.points_per_unit),
                "minimum_order": _money(settings.minimum_order),
                "done": False,
            }
        )
    with connection.cursor() as db:
        db.execute(_RULES_SQL, {"shop": settings.shop_id, "member": member.pk if member else None})
        rules = [_Rule(*row) for row in db.fetchall()]
    for rule in rules:
        way: dict[str, Any] = {
            "id": rule.pk,
            "kind": rule.kind,
            "title": rule.name or _TITLES.get(rule.kind, rule.kind),
            "points": rule.points,
            "done": rule.limit == EarningRule.Limit.ONCE and rule.earned,
        }
        if rule.kind == EarningRule.Kind.BIRTHDAY:
            birthday = member.birthday if member else None
            way["done"] = birthday is not None
            way["birthday"] = birthday.isoformat() if birthday else None
        elif rule.kind == EarningRule.Kind.SOCIAL_FOLLOW:
            way["network"] = rule.network
            way["url"] = rule.url
            way["done"] = rule.earned
        ways.append(way)
    return ways


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def rewards(*, settings, member: Member | None) -> list[dict[str, Any]]:
    balance = member.balance if member and member.state == Member.State.ACTIVE else 0
    out = []
    with connection.cursor() as db:
        db.execute(_REWARDS_SQL, {"shop": settings.shop_id})
        catalog = [_Reward(*row) for row in db.fetchall()]
    for reward in catalog:
        variable = reward.kind == Reward.Kind.VARIABLE_AMOUNT
        cost = max(reward.points_cost, reward.min_points or 0) if variable else reward.points_cost
        item: dict[str, Any] = {
            "id": reward.pk,
            "kind": reward.kind,
            "title": reward.name,
            "cost": cost,  # variable: the smallest spend
            "value": _money(reward.amount) if not variable else None,
            "percent": _plain(reward.percent) if reward.percent is not None else None,
            "cost_value": _money(points_value(settings=settings, points=cost)),
            "minimum_order": _money(reward.minimum_order),
            "variable": variable,
            "affordable": balance >= cost,
        }
        if variable:
            item.update(
                {
                    "min_points": cost,
                    "max_points": reward.max_points,
                    "step": reward.points_cost,
                    "value_per_step": _money(reward.amount),
                }
            )
        out.append(item)
    return out


def member_json(*, settings, member: Member, shop: Shop) -> dict[str, Any]:
    pending: list[dict[str, Any]] = []
    expiring: list[dict[str, Any]] = []
    codes: list[dict[str, Any]] = []
    with connection.cursor() as db:
        db.execute(
            _MEMBER_SQL,
            {"member": member.pk, "now": timezone.now(), "pending": PENDING_SHOWN,
             "expiring": EXPIRING_SHOWN, "codes": CODES_SHOWN},
        )  # fmt: skip
        for part, points, at, *code in db.fetchall():
            if part == "p":
                pending.append({"points": points, "posts_at": at})
            elif part == "e":
                expiring.append({"points": points, "expires_at": at})
            else:
                codes.append(code_json(_Code(*code)))
    return {
        "state": member.state,
        "balance": member.balance,
        "balance_value": _money(points_value(settings=settings, points=member.balance)),
        "pending": member.pending,
        "lifetime_earned": member.lifetime_earned,
        "pending_lots": pending,
        "expiring": expiring,
        "codes": codes,
        "history": history_page(shop=shop, member=member),
    }


def code_json(redemption: _Code) -> dict[str, Any]:
    return {
        "code": redemption.code,
        # The title frozen at redemption time (the reward may have been renamed since).
        "title": redemption.title or "",
        "value": _money(redemption.amount),
        "percent": _plain(redemption.percent) if redemption.percent is not None else None,
        "status": redemption.status,  # pending (being created) | issued | used
        "used": redemption.status == Redemption.Status.USED,
        "created_at": redemption.created_at,
        "expires_at": redemption.ends_at,
    }


def launcher_settings(*, context: StorefrontContext) -> dict[str, Any]:
    """The launcher's branding and texts, from the program settings (the admin edits them)."""
    settings = storefront_settings_get(context=context)
    texts = settings.launcher_texts if isinstance(settings.launcher_texts, dict) else {}
    return {
        "label": settings.launcher_label,
        "position": settings.launcher_position,
        "button_color": settings.launcher_button_color,
        "text_color": settings.launcher_text_color,
        "icon": settings.launcher_icon,
        "program_name": settings.program_name,
        # Only string values: the widget puts them in as text.
        "texts": {str(k): v for k, v in texts.items() if isinstance(v, str)},
    }
