"""The ledger audit: every member's cached totals checked against the ledger, and repaired.

Invariants (architecture.md): balance = sum of posted entries; pending = sum of pending
entries; sum of lot remainders = balance; lot remainders = amount - allocations; nothing
negative. The ledger entries are the truth. A repair recomputes the caches from them and
rebuilds the member's lots by replaying the posted entries in order — credits open lots,
debits consume them exactly as the services do — so even a lost lot or allocation comes back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from loyalty.models import LotAllocation, Member, PointsLot, PointsTransaction
from loyalty.services.ledger import REVERSAL_KINDS, member_lock

Status = PointsTransaction.Status


@dataclass(frozen=True)
class Drift:
    member_id: int
    shop_id: int
    balance: int
    posted: int
    pending: int
    pending_sum: int
    lots_remaining: int
    bad_lots: int  # lots whose remainder disagrees with their allocations

    def describe(self) -> str:
        return (
            f"member {self.member_id} (shop {self.shop_id}): balance {self.balance} vs posted "
            f"{self.posted}; pending {self.pending} vs {self.pending_sum}; lots "
            f"{self.lots_remaining}; {self.bad_lots} lot(s) off their allocations"
        )


def _sum(queryset, field: str) -> Coalesce:
    total = queryset.values("member_id").annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def ledger_audit(*, shop_id: int | None = None, member_ids: list[int] | None = None) -> list[Drift]:
    """Members whose caches disagree with the ledger (one set-based query, plus one per lot
    check). Read-only."""
    entries = PointsTransaction.objects.filter(member_id=OuterRef("pk"))
    lots = PointsLot.objects.filter(member_id=OuterRef("pk"))
    allocated = LotAllocation.objects.filter(lot_id=OuterRef("pk")).values("lot_id")
    bad_lots = (
        PointsLot.objects.filter(member_id=OuterRef("pk"))
        .annotate(
            used=Coalesce(Subquery(allocated.annotate(t=Sum("amount")).values("t")), Value(0))
        )
        .exclude(remaining=F("amount") - F("used"))
        .values("member_id")
        .annotate(n=Sum(Value(1)))
        .values("n")
    )
    members = Member.objects.all()
    if shop_id is not None:
        members = members.filter(shop_id=shop_id)
    if member_ids is not None:
        members = members.filter(pk__in=member_ids)
    rows = (
        members.annotate(
            posted=_sum(entries.filter(status=Status.POSTED), "amount"),
            pending_sum=_sum(entries.filter(status=Status.PENDING), "amount"),
            lots_remaining=_sum(lots, "remaining"),
            bad_lots=Coalesce(Subquery(bad_lots, output_field=IntegerField()), Value(0)),
        )
        .filter(
            ~Q(balance=F("posted"))
            | ~Q(pending=F("pending_sum"))
            | ~Q(lots_remaining=F("posted"))
            | Q(bad_lots__gt=0)
        )
        .order_by("pk")
    )
    return [
        Drift(
            member_id=m.pk,
            shop_id=m.shop_id,
            balance=m.balance,
            posted=m.posted,
            pending=m.pending,
            pending_sum=m.pending_sum,
            lots_remaining=m.lots_remaining,
            bad_lots=m.bad_lots,
        )
        for m in rows
    ]


@transaction.atomic
def member_ledger_repair(*, member_id: int) -> None:
    """Recompute a member's balance and pending from the ledger and rebuild their lots by
    replaying posted entries. Writes the member row, lots and allocations; never the ledger.
    Idempotent: repairing a consistent member changes nothing observable."""
    member = member_lock(member_id=member_id)
    entries = list(
        PointsTransaction.objects.filter(member=member, status=Status.POSTED).order_by(
            "posted_at", "pk"
        )
    )
    LotAllocation.objects.filter(lot__member=member).delete()
    existing = {lot.entry_id: lot for lot in PointsLot.objects.filter(member=member)}
    open_lots: list[PointsLot] = []
    allocations: list[LotAllocation] = []
    for entry in entries:
        if entry.amount > 0:
            lot = existing.pop(entry.pk, None) or PointsLot(
                shop_id=member.shop_id,
                member=member,
                entry=entry,
                amount=entry.amount,
                earned_at=entry.earned_at or entry.created_at,
                expires_at=entry.expires_at,
            )
            lot.remaining = lot.amount
            lot.save()
            open_lots.append(lot)
            continue
        prefer = None
        if entry.kind in REVERSAL_KINDS:
            prefer = entry.reverses_id
        elif entry.source_type == "lot":
            prefer = next((x.entry_id for x in open_lots if str(x.pk) == entry.source_id), None)
        order = sorted(open_lots, key=lambda x: (x.entry_id != prefer, x.earned_at, x.pk))
        left = -entry.amount
        for lot in order:
            if left == 0:
                break
            take = min(lot.remaining, left)
            if take:
                lot.remaining -= take
                left -= take
                allocations.append(
                    LotAllocation(shop_id=member.shop_id, entry=entry, lot=lot, amount=take)
                )
    # Lots whose credit is no longer posted (should not exist) are emptied, not deleted.
    for stray in existing.values():
        stray.remaining = 0
        open_lots.append(stray)
    PointsLot.objects.bulk_update(open_lots, ["remaining"])
    LotAllocation.objects.bulk_create(allocations)
    totals = PointsTransaction.objects.filter(member=member).aggregate(
        posted=Sum("amount", filter=Q(status=Status.POSTED)),
        pending=Sum("amount", filter=Q(status=Status.PENDING)),
    )
    member.balance = totals["posted"] or 0
    member.pending = totals["pending"] or 0
    member.save(update_fields=["balance", "pending"])
