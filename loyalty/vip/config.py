"""Changing the tiers without losing anything: a versioned configuration with a preview.

``tier_config_preview`` runs the evaluation statement (``vip.evaluation``) over the shop's real
members with the *proposed* tiers passed as arrays, writing nothing: members per tier, members
in none, and of those whose tier changes how many move up or down in the proposed order (a
tier the proposal removes stands nowhere in it: leaving it for a tier is up, for none down). The
same decision rules apply as on any evaluation, so a member inside a kept term keeps their tier
under a stricter configuration (nobody loses a tier or points by an edit).

``tier_config_apply`` writes the tiers (an existing id is updated in place, so history and entry
reward keys stay; a tier missing from the proposal is deactivated, never deleted), the policy,
the next version and its snapshot, then runs the same statement for real. Its result is the
preview's, computed on the same rows. After commit it syncs the tiers' automatic discounts
in Shopify (``vip.discounts``): made or updated for tiers with a ``discount_percent``,
deleted for tiers that lost it or were deactivated.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from loyalty.exceptions import TierConfigInvalid
from loyalty.models import Member, Reward
from loyalty.services.grants import GRANTABLE_KINDS
from loyalty.services.invalidation import shop_changed
from loyalty.vip.evaluation import TierSpec, decision_params, windows_at
from loyalty.vip.models import Tier, TierChange, TierConfigVersion, VipProgram
from loyalty.vip.services import (
    BATCH_SETTINGS,
    member_ranges,
    member_tiers_evaluate,
    tier_discounts_sync_on_commit,
    vip_program_get,
)
from loyalty.vip.statements import statement
from shopify_app.models import Shop


@dataclass(frozen=True)
class TierInput:
    name: str
    rank: int
    basis: str = Tier.Basis.SPENT
    period: str = Tier.Period.LIFETIME
    threshold: Decimal = Decimal(0)
    multiplier: Decimal = Decimal(1)
    entry_points: int = 0
    perks: str = ""
    customer_tag: str = ""
    invitation_only: bool = False
    # Percent off every order for the tier's members, without a code (0 = none); needs a tag.
    discount_percent: Decimal = Decimal(0)
    id: int | None = None
    # A catalog reward whose code is given on entering the tier (besides ``entry_points``).
    entry_reward_id: int | None = None
    # A recurring perk: a code of this catalog reward (free_shipping or percent_off) for every
    # member, each "month" or "quarter" (both set, or neither).
    perk_reward_id: int | None = None
    perk_every: str = ""
    # The paid club (invitation-only tiers): the product variant that grants the tier, as a
    # numeric id or a ``gid://shopify/ProductVariant/<id>``, for ``membership_term`` "days" or
    # "months" from the payment.
    membership_variant_id: int | str | None = None
    membership_term: int = 0
    membership_term_unit: str = Tier.TermUnit.MONTHS


_VARIANT_GID = "gid://shopify/ProductVariant/"
_PERK_KINDS = frozenset({Reward.Kind.FREE_SHIPPING, Reward.Kind.PERCENT_OFF})


def variant_id_parse(value: int | str | None) -> int | None:
    """A product variant's numeric id from a number, a numeric string or its GID; raises
    ``ValueError`` for anything else."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.startswith(_VARIANT_GID):
        text = text[len(_VARIANT_GID) :]
    if not text.isdigit() or int(text) <= 0:
        raise ValueError(value)
    return int(text)


@dataclass(frozen=True)
class TierConfig:
    tiers: list[TierInput]
    downgrade: str = VipProgram.Downgrade.END_OF_PERIOD
    grace_days: int = 30


@dataclass
class TierDistribution:
    """Members per tier (by the proposal's position), in none, moved up and moved down."""

    per_tier: list[int] = field(default_factory=list)
    none: int = 0
    up: int = 0
    down: int = 0


def _validate(*, shop: Shop, config: TierConfig) -> None:
    ranks = [t.rank for t in config.tiers]
    problems: dict[str, Any] = {}
    if len(set(ranks)) != len(ranks) or any(r <= 0 for r in ranks):
        problems["rank"] = "ranks must be distinct positive numbers"
    bases, periods = Tier.Basis.values, Tier.Period.values
    if any(t.basis not in bases or t.period not in periods for t in config.tiers):
        problems["basis"] = "unknown basis or period"
    if any(Decimal(t.threshold) < 0 or Decimal(t.multiplier) < 0 for t in config.tiers):
        problems["threshold"] = "thresholds and multipliers must not be negative"
    if any(t.entry_points < 0 or not t.name.strip() for t in config.tiers):
        problems["name"] = "every tier needs a name and non-negative entry points"
    if any(not Decimal(0) <= Decimal(t.discount_percent) <= 100 for t in config.tiers):
        problems["discount_percent"] = "a tier discount is a percentage from 0 to 100"
    elif any(Decimal(t.discount_percent) > 0 and not t.customer_tag.strip() for t in config.tiers):
        problems["discount_percent"] = "a tier discount needs the tier's customer tag"
    if config.downgrade not in VipProgram.Downgrade.values or config.grace_days < 0:
        problems["downgrade"] = "unknown downgrade policy or negative grace"
    _validate_rewards(shop=shop, config=config, problems=problems)
    _validate_memberships(config=config, problems=problems)
    ids = [t.id for t in config.tiers if t.id is not None]
    if len(set(ids)) != len(ids) or Tier.objects.filter(pk__in=ids).exclude(shop=shop).exists():
        problems["id"] = "unknown tier id"
    if problems:
        raise TierConfigInvalid(extra=problems)


def _validate_rewards(*, shop: Shop, config: TierConfig, problems: dict[str, Any]) -> None:
    wanted = {t.entry_reward_id for t in config.tiers} | {t.perk_reward_id for t in config.tiers}
    wanted.discard(None)
    kinds = dict(
        Reward.objects.filter(shop=shop, active=True, pk__in=wanted).values_list("pk", "kind")
    )
    for t in config.tiers:
        # A reward with a value of its own (a variable amount is priced by the points spent).
        if t.entry_reward_id is not None and kinds.get(t.entry_reward_id) not in GRANTABLE_KINDS:
            problems["entry_reward_id"] = "the entry reward must be an active fixed reward"
        if t.perk_every not in ("", *Tier.PerkEvery.values):
            problems["perk_every"] = "a perk is issued each month or quarter"
        elif bool(t.perk_every) != (t.perk_reward_id is not None):
            problems["perk_every"] = "a recurring perk needs both its reward and how often"
        elif t.perk_reward_id is not None and kinds.get(t.perk_reward_id) not in _PERK_KINDS:
            problems["perk_reward_id"] = "a perk is an active free-shipping or percent-off reward"


def _validate_memberships(*, config: TierConfig, problems: dict[str, Any]) -> None:
    variants = []
    for t in config.tiers:
        try:
            variant = variant_id_parse(t.membership_variant_id)
        except ValueError:
            problems["membership_variant_id"] = "a product variant id or GID"
            continue
        if t.membership_term_unit not in Tier.TermUnit.values or t.membership_term < 0:
            problems["membership_term"] = "a term in days or months"
        if variant is None:
            continue
        variants.append(variant)
        if t.membership_term <= 0:
            problems["membership_term"] = "a membership product needs a term"
        if not t.invitation_only:
            # A bought tier is held for its term, never taken or given by the evaluation.
            problems["invitation_only"] = "a tier sold as a membership is invitation-only"
    if len(set(variants)) != len(variants):
        problems["membership_variant_id"] = "one tier per membership variant"


def tier_input_problems(*, shop: Shop, tiers: list[TierInput]) -> dict[int, dict[str, str]]:
    """Each tier's own reward and membership problems (the rules ``_validate`` applies), by the
    tier's position, so a form can show each beside its tier. Rules across tiers (one tier per
    membership variant) stay with ``_validate``."""
    found: dict[int, dict[str, str]] = {}
    for index, tier in enumerate(tiers):
        problems: dict[str, Any] = {}
        one = TierConfig(tiers=[tier])
        _validate_rewards(shop=shop, config=one, problems=problems)
        _validate_memberships(config=one, problems=problems)
        if problems:
            found[index] = problems
    return found


def _tier_values(item: TierInput) -> dict[str, Any]:
    """The model's field values of a validated tier input (the variant as its numeric id)."""
    values = asdict(item)
    values.pop("id")
    values["membership_variant_id"] = variant_id_parse(item.membership_variant_id)
    return values


def _specs(config: TierConfig) -> list[TierSpec]:
    # A new tier gets a negative stand-in id: no real tier has one, so nobody "holds" it yet.
    return [
        TierSpec(
            id=t.id if t.id is not None else -(i + 1),
            rank=t.rank,
            basis=t.basis,
            period=t.period,
            threshold=Decimal(t.threshold),
            invitation_only=t.invitation_only,
        )
        for i, t in enumerate(config.tiers)
    ]


def tier_config_preview(
    *, shop: Shop, config: TierConfig, now: datetime | None = None
) -> TierDistribution:
    """What ``tier_config_apply`` would produce, on the shop's members now. Read-only."""
    _validate(shop=shop, config=config)
    specs = _specs(config)
    program = VipProgram(
        shop=shop, downgrade=config.downgrade, grace_days=config.grace_days, enabled=True
    )
    params = decision_params(
        shop_id=shop.pk,
        program=program,
        tiers=specs,
        windows=windows_at(timezone_name=shop.timezone, now=now or timezone.now()),
        member_ids=None,
    )
    rows: list[tuple[int | None, int, int, int]] = []
    # The same id ranges and settings as the nightly pass that applying runs.
    for lo, hi in member_ranges(shop_id=shop.pk):
        with transaction.atomic(), connection.cursor() as cursor:
            for setting in BATCH_SETTINGS:
                cursor.execute(setting)
            cursor.execute(statement("preview", specs), {**params, "lo": lo, "hi": hi})
            rows += cursor.fetchall()
    position = {s.id: i for i, s in enumerate(specs)}
    result = TierDistribution(per_tier=[0] * len(specs))
    for tier_id, members, up, down in rows:
        if tier_id is None:
            result.none += members
        else:
            result.per_tier[position[tier_id]] += members
        result.up += up
        result.down += down
    return result


@transaction.atomic
def tier_config_apply(
    *, shop: Shop, config: TierConfig, by: str, now: datetime | None = None
) -> tuple[TierConfigVersion, TierDistribution]:
    """Save the configuration as the next version and re-decide every member under it.

    Writes the tiers, the program's policy and version, a ``TierConfigVersion`` snapshot with
    the result, ``MemberTier``/``TierChange`` rows (reason ``config``), entry rewards for moves
    up; tags after commit. Raises ``TierConfigInvalid``.
    """
    at = now or timezone.now()
    _validate(shop=shop, config=config)
    program = VipProgram.objects.select_for_update().get(pk=vip_program_get(shop_id=shop.pk).pk)
    # Deactivate first: the partial unique (shop, rank) index only sees active tiers, so ranks
    # can be swapped between kept tiers within this one transaction.
    Tier.objects.filter(shop=shop, active=True).update(active=False)
    saved: list[Tier] = []
    for item in config.tiers:
        values = _tier_values(item)
        values["active"] = True
        if item.id is None:
            saved.append(Tier.objects.create(shop=shop, **values))
        else:
            Tier.objects.filter(pk=item.id, shop=shop).update(**values, updated_at=at)
            saved.append(Tier.objects.get(pk=item.id))
    program.downgrade = config.downgrade
    program.grace_days = config.grace_days
    program.version += 1
    program.enabled = True
    program.save()
    shop_changed(shop_id=shop.pk)
    changes = member_tiers_evaluate(shop=shop, now=at, reason=TierChange.Reason.CONFIG)
    ranks = {t.pk: t.rank for t in saved}
    result = TierDistribution(per_tier=[0] * len(saved))
    position = {t.pk: i for i, t in enumerate(saved)}
    counts = (
        Member.objects.filter(shop=shop, state=Member.State.ACTIVE)
        .values("vip_tier__tier")
        .annotate(n=Count("pk"))
    )
    for row in counts:
        tier_id = row["vip_tier__tier"]
        if tier_id in position:
            result.per_tier[position[tier_id]] += row["n"]
        else:
            result.none += row["n"]
    for _member_id, from_id, to_id in changes:
        # As the preview counts: in the new configuration's order, a removed tier nowhere.
        before = ranks.get(from_id, 0) if from_id is not None else 0
        after = ranks.get(to_id, 0) if to_id is not None else 0
        result.up += after > before
        result.down += after < before or (to_id is None and from_id is not None)
    version = TierConfigVersion.objects.create(
        shop=shop,
        version=program.version,
        config={
            "downgrade": config.downgrade,
            "grace_days": config.grace_days,
            "tiers": [
                {
                    **_tier_values(item),
                    "id": tier.pk,
                    "threshold": str(item.threshold),
                    "multiplier": str(item.multiplier),
                    "discount_percent": str(item.discount_percent),
                }
                for item, tier in zip(config.tiers, saved, strict=True)
            ],
        },
        result=asdict(result),
        created_by=by,
    )
    tier_discounts_sync_on_commit(shop_id=shop.pk)
    return version, result
