"""Reads of referrals: the funnel per referrer and per program, and the review list."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from loyalty.models import Member
from referrals.models import Referral, ReferralCode

Status = Referral.Status


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
    """``ada@example.com`` → ``a**@example.com``: the referrer sees who, not the address."""
    local, at, domain = email.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}{'*' * max(2, len(local) - 1)}@{domain}"


def reward_status(referral: Referral) -> str:
    """ "pending", "posted", "void" for a granted reward, else ""."""
    return referral.reward_entry.status if referral.reward_entry else ""


def referrer_stats(*, member: Member) -> dict[str, Any]:
    """A referrer's funnel (invited = link openings), points pending and earned, and their
    referrals with masked friend emails."""
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
                "reward_status": reward_status(r),
                "reward_points": r.reward_points,
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
