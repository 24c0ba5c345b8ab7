"""Reads of the VIP club for the admin: the configuration in force, the distribution of members
over the tiers, and one member's tier and history. Every selector takes the shop."""

from __future__ import annotations

from django.db.models import Count

from loyalty.models import Member
from loyalty.vip.models import MemberTier, Tier, TierChange, VipProgram
from shopify_app.models import Shop

# The newest tier changes a profile shows (the history is append-only and may grow for years).
HISTORY_SHOWN = 50


def vip_program_for(*, shop: Shop) -> VipProgram:
    """The shop's club settings; an unsaved default (version 0) when never configured, so a
    read writes nothing."""
    return VipProgram.objects.filter(shop=shop).first() or VipProgram(shop=shop)


def tier_list(*, shop: Shop) -> list[Tier]:
    """The active tiers, lowest first."""
    return list(Tier.objects.filter(shop=shop, active=True).order_by("rank", "pk"))


def tier_get(*, shop: Shop, tier_id: int) -> Tier | None:
    return Tier.objects.filter(shop=shop, pk=tier_id).first()


def tier_distribution(*, shop: Shop) -> tuple[list[tuple[Tier, int]], int]:
    """Active members per active tier now (lowest first) and the number in none. A member on a
    tier a later configuration deactivated (an invitation-only club, kept) counts under it."""
    counts = {
        row["vip_tier__tier"]: row["n"]
        for row in Member.objects.filter(shop=shop, state=Member.State.ACTIVE)
        .values("vip_tier__tier")
        .annotate(n=Count("pk"))
    }
    tiers = tier_list(shop=shop)
    held = set(counts) - {None} - {t.pk for t in tiers}
    if held:
        tiers += list(Tier.objects.filter(shop=shop, pk__in=held).order_by("rank", "pk"))
    return [(t, counts.get(t.pk, 0)) for t in tiers], counts.get(None, 0)


def member_tier_get(*, shop: Shop, member: Member) -> MemberTier | None:
    return MemberTier.objects.select_related("tier").filter(shop=shop, member=member).first()


def member_tier_history(*, shop: Shop, member: Member) -> list[TierChange]:
    """The member's tier changes, newest first."""
    return list(
        TierChange.objects.select_related("from_tier", "to_tier")
        .filter(shop=shop, member=member)
        .order_by("-created_at", "-pk")[:HISTORY_SHOWN]
    )
