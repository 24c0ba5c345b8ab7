"""Staff decisions on a referral: approve a held (or rule-rejected) one, or reject it.

The decision, who made it and when are recorded on the referral; an approval grants the
reward exactly as a clean referral would (same key, same hold), and a rejection voids a reward
that is still pending.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty.services.grants import points_grant_void
from referrals.exceptions import ReferralNotReviewable
from referrals.models import Referral
from referrals.services.attribution import referral_reward_reconcile, reward_key
from referrals.services.changes import referrer_changed
from referrals.services.program import referral_program_get
from referrals.services.rewards import referral_reward_revocable, referral_reward_revoke
from shopify_app.models import Order

Status = Referral.Status


def _locked(*, shop_id: int, referral_id: int) -> Referral:
    return (
        Referral.objects.select_for_update()
        .select_related("referrer__customer")
        .get(shop_id=shop_id, pk=referral_id)
    )


@transaction.atomic
def referral_approve(
    *, shop_id: int, referral_id: int, staff: str, note: str = "", now: datetime | None = None
) -> Referral:
    """Approve a held or rejected referral that has its order: completed, reward granted
    (pending until the hold ends). Raises ``ReferralNotReviewable`` otherwise, and
    ``Referral.DoesNotExist`` for another shop's referral."""
    at = now or timezone.now()
    referral = _locked(shop_id=shop_id, referral_id=referral_id)
    if referral.status not in (Status.HELD, Status.REJECTED) or not referral.order_shopify_id:
        raise ReferralNotReviewable(extra={"status": referral.status})
    order = Order.objects.get(shop_id=shop_id, shopify_id=referral.order_shopify_id)
    referral.status, referral.completed_at = Status.COMPLETED, at
    referral.decided_by, referral.decided_at, referral.decision_note = staff, at, note
    referral_reward_reconcile(
        referral=referral, program=referral_program_get(shop_id=shop_id), order=order, at=at
    )
    referral.save()
    referrer_changed(referral)
    return referral


@transaction.atomic
def referral_reject(
    *, shop_id: int, referral_id: int, staff: str, note: str = "", now: datetime | None = None
) -> Referral:
    """Reject a claimed, held or completed referral; a completed one's reward is voided if it
    is still pending (a posted reward stays: the points are the member's; a reward code is
    voided in Shopify before the hold's end, after it the code stays theirs). Raises
    ``ReferralNotReviewable`` for one already rejected or reversed."""
    at = now or timezone.now()
    referral = _locked(shop_id=shop_id, referral_id=referral_id)
    if referral.status not in (Status.CLAIMED, Status.HELD, Status.COMPLETED):
        raise ReferralNotReviewable(extra={"status": referral.status})
    if referral.status == Status.COMPLETED and referral.reward_code:
        # A catalog reward: its code is voided while the hold lasts; after it, it is theirs.
        if not referral_reward_revocable(referral=referral, at=at):
            raise ReferralNotReviewable(extra={"status": referral.status, "reward": "available"})
        referral_reward_revoke(referral=referral)
    elif (
        referral.status == Status.COMPLETED
        and referral.reward_entry_id is not None
        and not points_grant_void(shop_id=shop_id, idempotency_key=reward_key(referral), now=at)
    ):
        raise ReferralNotReviewable(extra={"status": referral.status, "reward": "posted"})
    referral.status = Status.REJECTED
    referral.fraud_rule = referral.fraud_rule or "staff"
    referral.decided_by, referral.decided_at, referral.decision_note = staff, at, note
    referral.save()
    referrer_changed(referral)
    return referral
