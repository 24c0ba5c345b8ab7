"""What staff do to the VIP club from the admin, each recorded in the change log in the same
transaction: save a tier configuration they read at a version, and put a member on (or take
them off) an invitation-only tier."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.db import transaction

from loyalty.exceptions import (
    TierNotInvitationOnly,
    TierUnavailable,
    VersionConflict,
    VersionRequired,
)
from loyalty.models import Member
from loyalty.services.changelog import changelog_record
from loyalty.services.ledger import member_lock
from loyalty.vip.config import TierConfig, TierDistribution, TierInput, tier_config_apply
from loyalty.vip.models import MemberTier, Tier, TierConfigVersion, VipProgram
from loyalty.vip.services import member_tier_assign, vip_program_get
from shopify_app.models import Shop


def _config_snapshot(*, program: VipProgram) -> dict[str, Any]:
    tiers = Tier.objects.filter(shop_id=program.shop_id, active=True).order_by("rank", "pk")
    return {
        "downgrade": program.downgrade,
        "grace_days": program.grace_days,
        "tiers": [
            {"id": t.pk, "name": t.name, "rank": t.rank, "basis": t.basis, "period": t.period,
             "threshold": str(t.threshold), "multiplier": str(t.multiplier),
             "entry_points": t.entry_points, "invitation_only": t.invitation_only,
             "discount_percent": str(t.discount_percent), "entry_reward_id": t.entry_reward_id,
             "perk_reward_id": t.perk_reward_id, "perk_every": t.perk_every,
             "membership_variant_id": t.membership_variant_id,
             "membership_term": t.membership_term,
             "membership_term_unit": t.membership_term_unit}
            for t in tiers
        ],
    }  # fmt: skip


@transaction.atomic
def tier_config_save(
    *, shop: Shop, config: TierConfig, staff_user_id: str, version: str | None
) -> tuple[TierConfigVersion, TierDistribution]:
    """Apply ``config`` (``tier_config_apply``) if the configuration in force is still the one
    the staff member read (``version``, the program's configuration version): a second editor
    who saved in between makes this a ``VersionConflict`` (checked under the program's row lock,
    so two saves cannot both pass), no version a ``VersionRequired``. Records the change."""
    if not version:
        raise VersionRequired()
    program = VipProgram.objects.select_for_update().get(pk=vip_program_get(shop_id=shop.pk).pk)
    if version != str(program.version):
        raise VersionConflict(extra={"current_version": str(program.version)})
    before = _config_snapshot(program=program)
    saved, result = tier_config_apply(shop=shop, config=config, by=staff_user_id)
    program.refresh_from_db()
    changelog_record(
        shop_id=shop.pk,
        staff_user_id=staff_user_id,
        action="vip_config.apply",
        object_type="vip_config",
        object_id=str(saved.version),
        before=before,
        after={**_config_snapshot(program=program), "result": asdict(result)},
    )
    return saved, result


def _tier_name(state: MemberTier | None) -> str | None:
    return state.tier.name if state is not None and state.tier is not None else None


def member_vip_tier_assign(*, member: Member, tier: Tier, staff_user_id: str) -> MemberTier:
    """Put the member on an invitation-only ``tier``. A repeat (a double click) changes nothing
    and records nothing. Raises ``TierUnavailable`` (another shop's or inactive tier) and
    ``TierNotInvitationOnly`` (the evaluation decides the other tiers)."""
    if tier.shop_id != member.shop_id or not tier.active:
        raise TierUnavailable()
    if not tier.invitation_only:
        raise TierNotInvitationOnly()
    with transaction.atomic():
        # Under the member's lock: of two clicks, the second sees the first's assignment.
        member_lock(member_id=member.pk)
        before = MemberTier.objects.select_related("tier").filter(member=member).first()
        if before is not None and before.tier_id == tier.pk:
            return before
        previous = _tier_name(before)
        state = member_tier_assign(member=member, tier=tier, by=staff_user_id)
        changelog_record(
            shop_id=member.shop_id,
            staff_user_id=staff_user_id,
            action="member.vip_tier_assign",
            obj=member,
            before={"tier": previous},
            after={"tier": tier.name},
        )
    return state


def member_vip_tier_remove(*, member: Member, tier: Tier, staff_user_id: str) -> MemberTier | None:
    """Take the member off ``tier`` if they hold it (the next evaluation, run at once, decides
    their tier from their own basis). Not holding it (a repeat) changes nothing."""
    if tier.shop_id != member.shop_id:
        raise TierUnavailable()
    with transaction.atomic():
        member_lock(member_id=member.pk)
        state = MemberTier.objects.select_related("tier").filter(member=member).first()
        if state is None or state.tier_id != tier.pk:
            return state
        state = member_tier_assign(member=member, tier=None, by=staff_user_id)
        changelog_record(
            shop_id=member.shop_id,
            staff_user_id=staff_user_id,
            action="member.vip_tier_remove",
            obj=member,
            before={"tier": tier.name},
            after={"tier": _tier_name(MemberTier.objects.select_related("tier").get(pk=state.pk))},
        )
    return state


def tier_config_from(data: dict[str, Any]) -> TierConfig:
    """A ``TierConfig`` from an API serializer's validated data."""
    return TierConfig(
        tiers=[TierInput(**{**t, "threshold": Decimal(t["threshold"])}) for t in data["tiers"]],
        downgrade=data["downgrade"],
        grace_days=data["grace_days"],
    )
