"""The ledger audit: every member's cached totals checked against the ledger, and repaired.

Invariants (architecture.md): balance = sum of posted entries; pending = sum of pending
entries; sum of lot remainders = balance; lot remainders = amount - allocations; nothing
negative. The ledger entries are the truth. A repair recomputes the caches from them and
rebuilds the member's lots by replaying the posted entries in order — credits open lots,
debits consume them exactly as the services do — so even a lost lot or allocation comes back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q, Sum

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


# S608: the SQL interpolates only table names from the models and placeholder lists; every
# value is a bound parameter.
_AUDIT_SQL = """
SELECT m.id, m.shop_id, m.balance, COALESCE(e.posted, 0), m.pending,
       COALESCE(e.pending_sum, 0), COALESCE(l.remaining, 0), COALESCE(b.bad_lots, 0)
FROM {member} m
LEFT JOIN (
    SELECT member_id,
           SUM(CASE WHEN status = %s THEN amount ELSE 0 END) AS posted,
           SUM(CASE WHEN status = %s THEN amount ELSE 0 END) AS pending_sum
    FROM {entry} WHERE {scope} GROUP BY member_id
) e ON e.member_id = m.id
LEFT JOIN (
    SELECT member_id, SUM(remaining) AS remaining FROM {lot} WHERE {scope} GROUP BY member_id
) l ON l.member_id = m.id
LEFT JOIN (
    SELECT lot.member_id, COUNT(*) AS bad_lots
    FROM {lot} lot
    LEFT JOIN (
        SELECT lot_id, SUM(amount) AS used FROM {allocation} WHERE {allocation_scope}
        GROUP BY lot_id
    ) a ON a.lot_id = lot.id
    WHERE {lot_scope} AND lot.remaining <> lot.amount - COALESCE(a.used, 0)
    GROUP BY lot.member_id
) b ON b.member_id = m.id
WHERE {member_scope} AND (
    m.balance <> COALESCE(e.posted, 0)
    OR m.pending <> COALESCE(e.pending_sum, 0)
    OR COALESCE(l.remaining, 0) <> COALESCE(e.posted, 0)
    OR COALESCE(b.bad_lots, 0) > 0
)
ORDER BY m.id
"""


def _scope(
    *, shop_column: str, member_column: str, shop_id: int | None, ids: list[int] | None
) -> tuple[str, list[int]]:
    """A WHERE clause for the audited shop and members, on one table's columns."""
    clauses, params = ["1 = 1"], []
    if shop_id is not None:
        clauses.append(f"{shop_column} = %s")
        params.append(shop_id)
    if ids is not None:
        clauses.append(f"{member_column} IN ({', '.join(['%s'] * len(ids)) or 'NULL'})")
        params += ids
    return " AND ".join(clauses), params


def ledger_audit(*, shop_id: int | None = None, member_ids: list[int] | None = None) -> list[Drift]:
    """Members whose caches disagree with the ledger. Read-only.

    One statement, set-based: the ledger's posted and pending sums, the lots' remainders and
    the lots off their allocations are each aggregated once (``GROUP BY``) over the audited
    scope and joined to the members, so a shop of 100k members costs a few scans rather than
    four correlated subqueries per member (``bench/loyalty_hot_paths.py``).
    """
    ids = sorted(set(member_ids)) if member_ids is not None else None
    scope, scope_params = _scope(
        shop_column="shop_id", member_column="member_id", shop_id=shop_id, ids=ids
    )
    lot_scope, lot_params = _scope(
        shop_column="lot.shop_id", member_column="lot.member_id", shop_id=shop_id, ids=ids
    )
    member_scope, member_params = _scope(
        shop_column="m.shop_id", member_column="m.id", shop_id=shop_id, ids=ids
    )
    # Allocations carry no member: scoped by shop, and to the audited members' lots.
    allocation_scope, allocation_params = _scope(
        shop_column="shop_id", member_column="", shop_id=shop_id, ids=None
    )
    if ids is not None:
        allocation_scope += f" AND lot_id IN (SELECT lot.id FROM {{lot}} lot WHERE {lot_scope})"  # noqa: S608
        allocation_params += lot_params
    quote = connection.ops.quote_name
    tables = {
        "member": quote(Member._meta.db_table),
        "entry": quote(PointsTransaction._meta.db_table),
        "lot": quote(PointsLot._meta.db_table),
        "allocation": quote(LotAllocation._meta.db_table),
    }
    sql = _AUDIT_SQL.format(
        scope=scope,
        lot_scope=lot_scope,
        allocation_scope=allocation_scope.format(**tables),
        member_scope=member_scope,
        **tables,
    )
    params = [
        Status.POSTED, Status.PENDING, *scope_params, *scope_params,
        *allocation_params, *lot_params, *member_params,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [Drift(*row) for row in rows]


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
