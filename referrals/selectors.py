"""Reads of referrals: the funnel per referrer and per program, and the review list."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from loyalty.models import Member
from referrals.models import Referral, ReferralCode

Status = Referral.Status
CodeStatus = Referral.RewardCodeStatus


def _funnel(referrals: QuerySet[Referral]) -> dict[str, Any]:
    counts = referrals.aggregate(
        claimed=Count("pk"),
        completed=Count("pk", filter=Q(status=Status.COMPLETED)),
        held=Count("pk", filter=Q(status=Status.HELD)),
        rejected=Count("pk", filter=Q(status=Status.REJECTED)),
        reversed=Count("pk", filter=Q(status=Status.REVERSED)),
        revenue=Sum("order_total", filter=Q(status=Status.COMPLETED)),
    )
    counts["revenue"] = counts["revenue"] or Decimal("0.00")
    return counts


def mask_email(email: str) -> str:
    """``ada@example.com`` → ``a**@example.com``: the referrer sees who, not the address. At
    most three stars, so a long address neither runs out of the launcher's card nor tells its
    length."""
    local, at, domain = email.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}{'*' * min(max(2, len(local) - 1), 3)}@{domain}"


def reward_status(referral: Referral, *, now: datetime | None = None) -> str:
    """What the referrer's reward is now, else "".

    Points: "pending" (through the hold), "posted", "void". A catalog reward's code:
    "pending" (granted, usable from the hold's end), "available", "used", "void" (the order
    was undone within the hold: voided in Shopify, or about to be), "failed"."""
    if not referral.reward_code:
        return referral.reward_entry.status if referral.reward_entry else ""
    code = referral.reward_code_status
    if code in (CodeStatus.PENDING, CodeStatus.ISSUED):
        if referral.status in (Status.REVERSED, Status.REJECTED):
            return "void"
        available = referral.reward_available_at
        ready = code == CodeStatus.ISSUED and available and available <= (now or timezone.now())
        return "available" if ready else "pending"
    return "void" if code == CodeStatus.VOIDED else code


def reward_json(referral: Referral, *, now: datetime | None = None) -> dict[str, Any]:
    """The referrer's reward as the launcher and the admin show it. The code itself only
    once it works (or was used): before the hold's end Shopify refuses it anyway."""
    status = reward_status(referral, now=now)
    grant = referral.reward_grant or {}
    return {
        "kind": "reward" if referral.reward_code else "points",
        "status": status,
        "points": referral.reward_points,
        "name": (grant.get("offer") or {}).get("name", ""),
        "code": referral.reward_code if status in ("available", "used") else None,
        "available_at": referral.reward_available_at,
        "expires_at": grant.get("ends_at"),  # the code's own end (the reward's code expiry)
    }


def referrer_stats(*, member: Member) -> dict[str, Any]:
    """A referrer's funnel (invited = link openings), points pending and earned, and their
    referrals with masked friend emails."""
    now = timezone.now()
    code = ReferralCode.objects.filter(member=member).first()
    referrals = Referral.objects.filter(referrer=member).select_related("reward_entry")
    rows = list(referrals.order_by("-claimed_at")[:50])
    return {
        "code": code.code if code else None,
        "invited": code.visits if code else 0,
        **_funnel(referrals),
        # Over every referral, not the 50 listed below.
        **referrals.aggregate(
            points_pending=Coalesce(
                Sum("reward_points", filter=Q(reward_entry__status="pending")), 0
            ),
            points_earned=Coalesce(
                Sum("reward_points", filter=Q(reward_entry__status="posted")), 0
            ),
        ),
        "referrals": [
            {
                "id": r.pk,
                "friend": mask_email(r.friend_email) if not r.redacted_at else "",
                "status": r.status,
                "reward_status": reward_status(r, now=now),
                "reward_points": r.reward_points,
                "reward": reward_json(r, now=now),
                "claimed_at": r.claimed_at,
                "completed_at": r.completed_at,
            }
            for r in rows
        ],
    }


def program_stats(*, shop_id: int) -> dict[str, Any]:
    """The shop's funnel: link openings, claims, completed, held, rejected, reversed, and
    the revenue of completed referred orders."""
    invited = ReferralCode.objects.filter(shop_id=shop_id).aggregate(v=Sum("visits"))["v"] or 0
    return {"invited": invited, **_funnel(Referral.objects.filter(shop_id=shop_id))}


def referrals_list(*, shop_id: int, status: str | None = None) -> QuerySet[Referral]:
    """The review list, newest first; held ones are what staff decide."""
    qs = Referral.objects.filter(shop_id=shop_id).select_related(
        "referrer__customer", "reward_entry"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-claimed_at", "-pk")
