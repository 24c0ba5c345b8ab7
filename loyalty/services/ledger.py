"""The ledger core: every change to a member's points goes through these functions.

Rules every caller relies on:

1. The member row is locked first (``SELECT … FOR UPDATE``), so two writers for one member
   serialise and a balance check cannot race the debit that follows it. Lots and allocations
   belong to one member, so the member lock covers them too.
2. An entry and the cached totals it explains (``balance``, ``pending``, lots) are written in
   the same transaction.
3. Every entry has an idempotency key unique per shop; writing a key that exists returns the
   existing entry and changes nothing, so a retried webhook or task is harmless.

Debits consume lots oldest first (FIFO). A reversal passes ``prefer_lot``: it takes back the
points of the lot it reverses first, so reversing one order does not shift the expiry dates of
unrelated older lots. Balances never go negative (a CHECK on ``Member.balance`` backs this).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty.exceptions import InsufficientPoints, InvalidPointsAmount
from loyalty.models import LotAllocation, Member, PointsLot, PointsTransaction
from loyalty.services.bulk import rows_insert_new
from loyalty.services.invalidation import members_changed
from loyalty.services.program import lot_expires_at, program_settings_get

Kind = PointsTransaction.Kind
Status = PointsTransaction.Status

# Credits of these kinds count toward lifetime_earned (what VIP tiers read). A redemption refund
# gives back points already counted once, so it does not.
LIFETIME_KINDS = frozenset(
    {Kind.ORDER, Kind.ACTION, Kind.REFERRAL, Kind.TIER_BONUS, Kind.IMPORT, Kind.ADJUSTMENT}
)
# Entries that show the member is active (inactivity expiry counts from the last of these).
ACTIVITY_KINDS = frozenset({Kind.ORDER, Kind.ACTION, Kind.REFERRAL, Kind.REDEEM})
REVERSAL_KINDS = frozenset({Kind.REFUND_REVERSAL, Kind.CANCEL_REVERSAL})
# Safety bound: no single entry may move more points than this.
MAX_POINTS = 100_000_000


def member_lock(*, member_id: int) -> Member:
    """Reload the member row locked for this transaction (always the first lock taken).

    Every write to a member's points, codes or row happens under this lock, so this is where
    the launcher's cached state of that member is invalidated (after commit; a lock taken for
    a no-op costs one re-render)."""
    member = Member.objects.select_for_update().get(pk=member_id)
    members_changed(shop_id=member.shop_id, members=[member])
    return member


def entry_get(*, shop_id: int, idempotency_key: str) -> PointsTransaction | None:
    return PointsTransaction.objects.filter(
        shop_id=shop_id, idempotency_key=idempotency_key
    ).first()


def check_amount(points: int) -> None:
    """Raise ``InvalidPointsAmount`` unless ``points`` is a positive int within ``MAX_POINTS``."""
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise InvalidPointsAmount(extra={"points": points})
    if points > MAX_POINTS:
        raise InvalidPointsAmount(extra={"points": points, "max": MAX_POINTS})


def _touch(member: Member, kind: str, at: datetime) -> None:
    if kind in ACTIVITY_KINDS and at > member.last_activity_at:
        member.last_activity_at = at


def _open_lot(member: Member, entry: PointsTransaction, at: datetime) -> PointsLot:
    return PointsLot.objects.create(
        shop_id=member.shop_id,
        member=member,
        entry=entry,
        amount=entry.amount,
        remaining=entry.amount,
        earned_at=entry.earned_at or entry.created_at or at,
        expires_at=entry.expires_at,
    )


def _consume_lots(
    member: Member, entry: PointsTransaction, points: int, prefer_lot_id: int | None = None
) -> None:
    """Take ``points`` from the member's open lots and record each allocation.

    Caller holds the member lock and has checked the balance covers ``points``.
    """
    lots = list(
        PointsLot.objects.filter(member=member, remaining__gt=0).order_by("earned_at", "id")
    )
    if prefer_lot_id is not None:
        lots.sort(key=lambda lot: lot.pk != prefer_lot_id)  # stable: the rest stay FIFO
    left = points
    allocations = []
    for lot in lots:
        if left == 0:
            break
        take = min(lot.remaining, left)
        lot.remaining -= take
        left -= take
        allocations.append(LotAllocation(shop_id=member.shop_id, entry=entry, lot=lot, amount=take))
    if left:
        # balance = sum of lot remainders is an invariant; reaching this means drift that
        # loyalty_audit must repair first. Refuse rather than write an unexplained debit.
        raise InsufficientPoints(
            "The member's lots do not cover the balance; run loyalty_audit.",
            extra={"member_id": member.pk, "missing": left},
        )
    PointsLot.objects.bulk_update([a.lot for a in allocations], ["remaining"])
    LotAllocation.objects.bulk_create(allocations)


def _post_credit(member: Member, entry: PointsTransaction, at: datetime) -> None:
    _open_lot(member, entry, at)
    member.balance += entry.amount
    if entry.kind in LIFETIME_KINDS:
        member.lifetime_earned += entry.amount


def _post_debit(member: Member, entry: PointsTransaction, prefer_lot_id: int | None = None) -> None:
    points = -entry.amount
    if points > member.balance:
        raise InsufficientPoints(extra={"balance": member.balance, "points": points})
    _consume_lots(member, entry, points, prefer_lot_id)
    member.balance -= points
    if entry.kind in REVERSAL_KINDS:
        member.lifetime_earned = max(0, member.lifetime_earned - points)


def entry_write(
    *,
    member: Member,
    amount: int,
    kind: str,
    idempotency_key: str,
    pending_until: datetime | None = None,
    source_type: str = "",
    source_id: str = "",
    reverses: PointsTransaction | None = None,
    reason: str = "",
    note: str = "",
    created_by: str = "",
    expires_at: datetime | None = None,
    earned_at: datetime | None = None,
    prefer_lot_id: int | None = None,
    now: datetime | None = None,
) -> tuple[PointsTransaction, bool]:
    """Write one entry for a member that the caller has locked (``member_lock``).

    Returns ``(entry, created)``; an existing key returns the first entry unchanged. A credit
    posts at once (opening a lot) unless ``pending_until`` is in the future; a debit posts at
    once and raises ``InsufficientPoints`` when the balance does not cover it. The member row
    is saved by this function.
    """
    check_amount(abs(amount))
    existing = entry_get(shop_id=member.shop_id, idempotency_key=idempotency_key)
    if existing is not None:
        return existing, False
    at = now or timezone.now()
    pending = pending_until is not None and pending_until > at
    entry = PointsTransaction.objects.create(
        shop_id=member.shop_id,
        member=member,
        amount=amount,
        kind=kind,
        status=Status.PENDING if pending else Status.POSTED,
        idempotency_key=idempotency_key,
        source_type=source_type,
        source_id=str(source_id),
        reverses=reverses,
        reason=reason[:255],
        note=note[:500],
        created_by=created_by,
        posts_at=pending_until if pending else None,
        posted_at=None if pending else at,
        expires_at=expires_at if amount > 0 else None,
        earned_at=earned_at,
    )
    if pending:
        member.pending += amount
    elif amount > 0:
        _post_credit(member, entry, at)
    else:
        _post_debit(member, entry, prefer_lot_id)
    _touch(member, kind, at)
    member.save(update_fields=["balance", "pending", "lifetime_earned", "last_activity_at"])
    return entry, True


def credits_write(*, entries: Sequence[PointsTransaction], at: datetime) -> list[PointsTransaction]:
    """``entry_write`` for many posted credits at once (a CSV import), each entry's ``member``
    being a member row the caller has locked (``member_lock``, or one ``select_for_update``
    in id order).

    The entries whose key is new are inserted in one statement (``INSERT … ON CONFLICT
    (shop, idempotency_key) DO NOTHING RETURNING``), their lots in another, and each member's
    totals are moved in memory as ``entry_write`` moves them; the caller writes the members
    (``bulk.rows_update``) in the same transaction. Returns the entries written: one whose key
    exists is skipped, as ``entry_write`` returns the first entry unchanged.
    """
    for entry in entries:
        check_amount(entry.amount)
        entry.status, entry.posted_at = Status.POSTED, at
    written = rows_insert_new(rows=entries, unique=["shop", "idempotency_key"])
    PointsLot.objects.bulk_create(
        PointsLot(
            shop_id=entry.shop_id,
            member=entry.member,
            entry=entry,
            amount=entry.amount,
            remaining=entry.amount,
            earned_at=entry.earned_at or entry.created_at or at,
            expires_at=entry.expires_at,
        )
        for entry in written
    )
    for entry in written:
        member = entry.member
        member.balance += entry.amount
        if entry.kind in LIFETIME_KINDS:
            member.lifetime_earned += entry.amount
        _touch(member, entry.kind, at)
    return written


def _post_one(member: Member, entry: PointsTransaction, at: datetime) -> bool:
    updated = PointsTransaction.objects.filter(pk=entry.pk, status=Status.PENDING).update(
        status=Status.POSTED, posted_at=at
    )
    if not updated:
        return False
    entry.status, entry.posted_at = Status.POSTED, at
    member.pending -= entry.amount
    if entry.amount > 0:
        _post_credit(member, entry, at)
    else:
        prefer = PointsLot.objects.filter(entry_id=entry.reverses_id).values_list("pk", flat=True)
        _post_debit(member, entry, prefer.first())
    return True


def entry_post_locked(*, member: Member, entry: PointsTransaction, at: datetime) -> bool:
    """Post a held credit of a locked member, with the reversals written against it while it
    was held (a refund during the hold period): pending → posted. Those reversals take back the
    credit's own lot first. Returns False if the credit was no longer pending.

    The member row is saved once, after all of them: posting the credit alone would briefly
    leave ``pending`` below zero (its reversals are still counted there), which the CHECK
    refuses even inside a transaction.
    """
    if not _post_one(member, entry, at):
        return False
    for reversal in entry.reversals.filter(status=Status.PENDING).order_by("pk"):
        _post_one(member, reversal, at)
    member.save(update_fields=["balance", "pending", "lifetime_earned"])
    return True


def entry_void_locked(*, member: Member, entry: PointsTransaction) -> bool:
    """Void a held credit of a locked member and its held reversals: pending → void (a
    cancellation during the hold period). False if the credit was no longer pending."""
    voided = [*entry.reversals.filter(status=Status.PENDING), entry]
    updated = PointsTransaction.objects.filter(
        pk__in=[e.pk for e in voided], status=Status.PENDING
    ).update(status=Status.VOID)
    if not updated:
        return False
    for e in voided:
        e.status = Status.VOID
        member.pending -= e.amount
    member.save(update_fields=["pending"])
    return True


@transaction.atomic
def points_post(*, entry_id: int, now: datetime | None = None) -> bool:
    """Post one held credit (and the reversals written against it while it was held).

    Writes: the entry's status, its lot, the member's balance and pending. Idempotent: an entry
    that is no longer pending (posted, or voided by a cancellation) is left alone.
    """
    member_id = PointsTransaction.objects.values_list("member_id", flat=True).get(pk=entry_id)
    member = member_lock(member_id=member_id)
    entry = PointsTransaction.objects.get(pk=entry_id)
    at = now or timezone.now()
    return entry_post_locked(member=member, entry=entry, at=at)


def points_post_due(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Post every held credit whose hold has ended (the beat job). Returns how many posted.

    Each entry posts in its own short transaction, so one member's lock is never held for the
    whole batch. Pending debits are posted with their credit, not on their own.
    """
    at = now or timezone.now()
    due = list(
        PointsTransaction.objects.filter(status=Status.PENDING, posts_at__lte=at, amount__gt=0)
        .order_by("posts_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(points_post(entry_id=pk, now=at) for pk in due)


@transaction.atomic
def points_adjust(
    *,
    member: Member,
    points: int,
    reason: str,
    created_by: str,
    idempotency_key: str,
    note: str = "",
) -> PointsTransaction:
    """A staff adjustment: ``points`` (signed) with who made it, why, and an optional note the
    customer sees. A deduction larger than the balance raises ``InsufficientPoints``.

    Idempotent per ``idempotency_key`` (the admin sends one per form submission).
    """
    if not reason.strip():
        raise InvalidPointsAmount("A reason is required.", code="reason_required")
    if points == 0:
        raise InvalidPointsAmount(extra={"points": points})
    locked = member_lock(member_id=member.pk)
    entry, _ = entry_write(
        member=locked,
        amount=points,
        kind=Kind.ADJUSTMENT,
        idempotency_key=f"adjust:{idempotency_key}",
        source_type="staff",
        source_id=created_by,
        reason=reason,
        note=note,
        created_by=created_by,
        expires_at=lot_expires_at(
            settings=program_settings_get(shop_id=locked.shop_id), earned_at=timezone.now()
        ),
    )
    return entry
