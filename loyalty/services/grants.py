"""Grants: points another app awards through the ledger (``referrals``' referrer reward).

Other apps never write loyalty's models; they call these two services with their own
idempotency key. A grant may be held (pending until ``hold_until``, posted by the beat job
``points_post_due``), and a held grant can be voided while its hold lasts — a referred order
cancelled or refunded within the hold period. After the hold the points are the member's.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty.exceptions import InvalidPointsAmount, MemberExcluded
from loyalty.models import Member, PointsTransaction
from loyalty.services.ledger import entry_get, entry_void_locked, entry_write, member_lock
from loyalty.services.program import lot_expires_at, program_settings_get

Kind = PointsTransaction.Kind
Status = PointsTransaction.Status
# The kinds another app may grant (credits explained by that app's own records).
GRANT_KINDS = frozenset({Kind.REFERRAL})


@transaction.atomic
def points_grant(
    *,
    member: Member,
    points: int,
    kind: str,
    idempotency_key: str,
    source_type: str,
    source_id: str,
    note: str = "",
    hold_until: datetime | None = None,
    now: datetime | None = None,
) -> PointsTransaction:
    """Credit ``points`` to a member, pending until ``hold_until`` when that is in the future.

    Idempotent per ``idempotency_key``: a repeat returns the first entry unchanged (even if the
    member was excluded since). Raises ``MemberExcluded`` for an excluded member and
    ``InvalidPointsAmount`` for a kind other apps may not grant.
    """
    if kind not in GRANT_KINDS:
        raise InvalidPointsAmount(extra={"kind": kind})
    existing = entry_get(shop_id=member.shop_id, idempotency_key=idempotency_key)
    if existing is not None:
        return existing
    locked = member_lock(member_id=member.pk)
    if locked.state != Member.State.ACTIVE:
        raise MemberExcluded()
    at = now or timezone.now()
    settings = program_settings_get(shop_id=locked.shop_id)
    earned = hold_until if hold_until and hold_until > at else at
    entry, _ = entry_write(
        member=locked,
        amount=points,
        kind=kind,
        idempotency_key=idempotency_key,
        pending_until=hold_until,
        source_type=source_type,
        source_id=source_id,
        note=note,
        expires_at=lot_expires_at(settings=settings, earned_at=earned),
        now=at,
    )
    return entry


@transaction.atomic
def points_grant_void(*, shop_id: int, idempotency_key: str, now: datetime | None = None) -> bool:
    """Void a grant that is still held (its hold has not ended at ``now``).

    Returns True when it was voided now, False when there is no such grant, it was voided
    already, or its hold is over (posted, or due to post): those points stay the member's.
    """
    entry = entry_get(shop_id=shop_id, idempotency_key=idempotency_key)
    if entry is None or entry.status != Status.PENDING:
        return False
    at = now or timezone.now()
    if entry.posts_at is None or entry.posts_at <= at:
        return False
    member = member_lock(member_id=entry.member_id)
    entry.refresh_from_db()
    return entry_void_locked(member=member, entry=entry)
