"""VIP club services: evaluate members' tiers, grant entry rewards, the earning multiplier.

Every tier change goes through ``member_tiers_evaluate`` (events, the nightly job, applying a
configuration) or ``member_tier_assign`` (staff, invitation-only tiers). Both write the
member's ``MemberTier`` and a ``TierChange`` row, grant the entry reward of a tier moved up to
(points and a catalog reward's code, once per tier and term: the ledger's idempotency key and
the redemption's grant key say so), and enqueue the customer's
Shopify tags after commit.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from loyalty.exceptions import TierUnavailable
from loyalty.models import Member, PointsTransaction
from loyalty.services.invalidation import member_ids_changed, shop_changed
from loyalty.services.ledger import entry_write, member_lock
from loyalty.services.program import lot_expires_at, program_settings_get, shop_zone
from loyalty.services.reward_grants import reward_grant
from loyalty.vip.evaluation import LAST_ID, TierSpec, decision_params, windows_at
from loyalty.vip.models import MemberTier, Tier, TierChange, VipProgram
from loyalty.vip.statements import BATCH_BOUNDS_SQL, LOCK_SQL, statement
from shopify_app.models import Shop

logger = logging.getLogger(__name__)


def vip_program_get(*, shop_id: int) -> VipProgram:
    """The shop's club settings, created with the defaults on first use."""
    program, _ = VipProgram.objects.get_or_create(shop_id=shop_id)
    return program


def tier_specs_live(*, shop_id: int) -> list[TierSpec]:
    return [
        TierSpec(
            id=t.pk,
            rank=t.rank,
            basis=t.basis,
            period=t.period,
            threshold=t.threshold,
            invitation_only=t.invitation_only,
            multiplier=t.multiplier,
        )
        for t in Tier.objects.filter(shop_id=shop_id, active=True).order_by("rank")
    ]


def entry_reward_key(*, tier: Tier, member_id: int, term_start: datetime | None) -> str:
    """``vip:<tier>:member:<id>:term:<start>``. The term is the calendar year (its first day in
    the shop's timezone), the day a rolling tier was reached (it is then kept 12 months, so a
    new reach is a new term), or ``lifetime`` for a lifetime tier: reached once, rewarded once,
    however often refunds take the member below it and new orders bring them back."""
    if tier.period == Tier.Period.LIFETIME or term_start is None:
        term = "lifetime"
    else:
        term = term_start.astimezone(shop_zone(tier.shop.timezone)).date().isoformat()
    return f"vip:{tier.pk}:member:{member_id}:term:{term}"


def entry_reward_grant(
    *, tier: Tier, member_id: int, term_start: datetime | None, at: datetime
) -> None:
    """The tier's entry reward: its points, and its catalog reward's code (given without
    points, after commit), both under the same per tier and term key, so once each."""
    if tier.entry_points <= 0 and tier.entry_reward_id is None:
        return
    member = member_lock(member_id=member_id)
    key = entry_reward_key(tier=tier, member_id=member_id, term_start=term_start)
    if tier.entry_points > 0:
        settings = program_settings_get(shop_id=tier.shop_id)
        entry_write(
            member=member,
            amount=tier.entry_points,
            kind=PointsTransaction.Kind.TIER_BONUS,
            idempotency_key=key,
            source_type="tier",
            source_id=str(tier.pk),
            note=f"Welcome to {tier.name}"[:500],
            expires_at=lot_expires_at(settings=settings, earned_at=at),
            now=at,
        )
    reward = tier.entry_reward
    # A reward retired since the tier was configured gives nothing (as it could not be bought).
    if reward is not None and reward.active and member.state == Member.State.ACTIVE:
        reward_grant(member=member, reward=reward, grant_key=f"{key}:reward", now=at)


# Members per tag task: a nightly run or a new configuration may move many members at once,
# and one broker message per member would cost more than the evaluation itself.
TAGS_CHUNK = 200


def tags_sync_on_commit(member_ids: list[int]) -> None:
    from loyalty.vip.tasks import vip_customer_tags_sync as vip_customer_tags_sync_task

    for start in range(0, len(member_ids), TAGS_CHUNK):
        chunk = member_ids[start : start + TAGS_CHUNK]
        transaction.on_commit(
            lambda chunk=chunk: vip_customer_tags_sync_task.delay(member_ids=chunk)
        )


def tier_discounts_sync_on_commit(*, shop_id: int) -> None:
    """After commit, bring the tiers' automatic discounts in Shopify up to date (a tier's
    percentage, tag or state changed, or the club was switched on or off)."""
    from loyalty.vip.tasks import vip_tier_discounts_sync as vip_tier_discounts_sync_task

    transaction.on_commit(lambda: vip_tier_discounts_sync_task.delay(shop_id=shop_id))


# The nightly pass decides the shop's members this many at a time (one id range each), with
# the memory that range's aggregates need.
BATCH_MEMBERS = 50_000
BATCH_SETTINGS = (
    # The statement's cost estimate, inflated by the per-member joins, would have it compiled
    # by JIT: seconds of compilation for a statement that runs in less.
    "SET LOCAL jit = off",
    # The range's aggregates and joins fit in memory instead of spilling to disk.
    "SET LOCAL work_mem = '64MB'",
)
# Above this many candidates in a range, the apply statement reads the range (as the pass did)
# rather than looking each member up.
FEW_CANDIDATES = 1000


def member_tiers_evaluate(
    *,
    shop: Shop,
    member_ids: list[int] | None = None,
    now: datetime | None = None,
    reason: str = "",
) -> list[tuple[int, int | None, int | None]]:
    """Re-decide the tier of the shop's members (``member_ids``, or all of them) set-based
    (``vip.evaluation``), write the changes and their history, grant entry rewards for moves
    up, and enqueue the tag sync of the members whose tier changed after commit.

    Returns ``[(member id, from tier id, to tier id)]`` for the tier changes. The members given
    are locked (id order) first and decided on a snapshot taken under those locks. All of them
    (the nightly job, a new configuration): id range by range, a read-only pass finds the
    members whose state would change, and only those are locked and decided as above; the
    others are neither locked nor rewritten. Idempotent: run again with the same facts and
    time, it changes nothing; the entry rewards are keyed per tier and term.
    """
    at = now or timezone.now()
    # A shop whose club was never configured has no program row: one query and done (this
    # runs on every order webhook).
    program = VipProgram.objects.filter(shop_id=shop.pk).first()
    if program is None or not program.enabled:
        return []
    if connection.vendor != "postgresql":
        # The evaluation statements are PostgreSQL's (FILTER, unnest, arrays, FOR UPDATE);
        # a SQLite development database runs the points program without the club.
        logger.warning("VIP evaluation skipped: needs PostgreSQL, not %s", connection.vendor)
        return []
    specs = tier_specs_live(shop_id=shop.pk)
    params = decision_params(
        shop_id=shop.pk,
        program=program,
        tiers=specs,
        windows=windows_at(timezone_name=shop.timezone, now=at),
        member_ids=member_ids,
        reason=reason,
    )
    if member_ids is not None:
        return _tiers_apply(shop=shop, kind="apply", specs=specs, params=params, at=at)
    changes: list[tuple[int, int | None, int | None]] = []
    for lo, hi in member_ranges(shop_id=shop.pk):
        with transaction.atomic(), connection.cursor() as cursor:
            for setting in BATCH_SETTINGS:
                cursor.execute(setting)
            cursor.execute(statement("candidates", specs), {**params, "lo": lo, "hi": hi})
            candidates = [row[0] for row in cursor.fetchall()]
            if candidates:
                batch = {**params, "lo": lo, "hi": hi, "member_ids": candidates}
                # Many: read by the range, as the pass did; a few: looked up by id.
                kind = "apply_range" if len(candidates) > FEW_CANDIDATES else "apply"
                changes += _tiers_apply(shop=shop, kind=kind, specs=specs, params=batch, at=at)
    return changes


def member_ranges(*, shop_id: int) -> list[tuple[int, int]]:
    """The id ranges ``(lo, hi]`` of ``BATCH_MEMBERS`` active members each that cover the shop
    (the last one open-ended), for the nightly pass and the preview alike."""
    with connection.cursor() as cursor:
        cursor.execute(BATCH_BOUNDS_SQL, {"shop": shop_id, "size": BATCH_MEMBERS})
        bounds = [row[0] for row in cursor.fetchall()]
    edges = [0, *bounds, LAST_ID]
    return list(pairwise(edges))


def _tiers_apply(
    *, shop: Shop, kind: str, specs: list[TierSpec], params: dict[str, Any], at: datetime
) -> list[tuple[int, int | None, int | None]]:
    """Lock the members of ``params`` and decide them (the apply statement): writes, rewards,
    tags."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(LOCK_SQL, params)
        cursor.execute(statement(kind, specs), params)
        rows = cursor.fetchall()
        if not rows:
            return []
        member_ids_changed(shop_id=shop.pk, member_ids=[row[0] for row in rows])
        ups = [r for r in sorted(rows) if r[2] is not None and r[4] > r[3]]
        if ups:
            tiers = {
                t.pk: t
                for t in Tier.objects.select_related("shop", "entry_reward").filter(shop=shop)
            }
            for member_id, _from_id, to_id, _old_rank, _new_rank, term_start in ups:
                entry_reward_grant(
                    tier=tiers[to_id], member_id=member_id, term_start=term_start, at=at
                )
        tags_sync_on_commit([r[0] for r in rows])
    return [(r[0], r[1], r[2]) for r in rows]


def member_tier_assign(
    *, member: Member, tier: Tier | None, by: str, now: datetime | None = None
) -> MemberTier:
    """Staff put a member on a tier (an invitation-only club) or take them off one (``None``:
    the member is evaluated again from their own basis by the next evaluation).

    Writes the state and a ``staff`` history row, grants the tier's entry reward (once per
    term) and enqueues the tags after commit. Raises ``TierUnavailable`` for another shop's or
    an inactive tier. A repeat of the current assignment changes nothing.
    """
    at = now or timezone.now()
    if tier is not None and (tier.shop_id != member.shop_id or not tier.active):
        raise TierUnavailable()
    with transaction.atomic():
        locked = member_lock(member_id=member.pk)
        state, _ = MemberTier.objects.get_or_create(
            member=locked, defaults={"shop_id": locked.shop_id}
        )
        if state.tier_id == (tier.pk if tier else None):
            return state
        TierChange.objects.create(
            shop_id=locked.shop_id,
            member=locked,
            from_tier_id=state.tier_id,
            to_tier=tier,
            reason=TierChange.Reason.STAFF,
            config_version=vip_program_get(shop_id=locked.shop_id).version,
            created_at=at,
        )
        state.tier = tier
        state.term_start = at if tier else None
        state.kept_until = None
        state.below_since = None
        state.assigned_by = by if tier else ""
        state.save()
        locked.tier_multiplier = tier.multiplier if tier is not None else Decimal(1)
        locked.save(update_fields=["tier_multiplier", "updated_at"])
        if tier is not None:
            entry_reward_grant(tier=tier, member_id=locked.pk, term_start=at, at=at)
        tags_sync_on_commit([locked.pk])
    if tier is None:
        member_tiers_evaluate(shop=member.shop, member_ids=[member.pk], now=at)
        state.refresh_from_db()
    return state


@transaction.atomic
def vip_program_enable(*, shop: Shop, enabled: bool, now: datetime | None = None) -> VipProgram:
    """Switch the club on or off. Off: every member earns at 1x again (one UPDATE; the
    multiplier is cached on the member row), evaluation stops and the tiers' automatic
    discounts are deleted in Shopify after commit, but tiers and history stay. On: an
    evaluation of every member restores the multipliers and catches up, and the discounts
    are made again."""
    program = VipProgram.objects.select_for_update().get(pk=vip_program_get(shop_id=shop.pk).pk)
    program.enabled = enabled
    program.save(update_fields=["enabled", "updated_at"])
    shop_changed(shop_id=shop.pk)
    # Off: the tier discounts go too (members would otherwise keep a perk of a closed club).
    tier_discounts_sync_on_commit(shop_id=shop.pk)
    if enabled:
        member_tiers_evaluate(shop=shop, now=now)
    else:
        Member.objects.filter(shop=shop).exclude(tier_multiplier=Decimal(1)).update(
            tier_multiplier=Decimal(1)
        )
    return program


def tier_multiplier(*, member: Member, kind: str) -> Decimal:
    """The earning multiplier provider (``earning.register_multiplier_provider``): the member's
    tier's multiplier on orders (cached on the member row by the evaluation), else 1."""
    if kind != PointsTransaction.Kind.ORDER:
        return Decimal(1)
    return member.tier_multiplier
