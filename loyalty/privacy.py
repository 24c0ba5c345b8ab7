"""loyalty's part of the compliance webhooks: what the program holds on a customer.

``LoyaltyConfig.ready()`` registers ``customer_loyalty_export`` and ``customer_loyalty_redact``
with ``shopify_app.privacy``, declaring in ``COVERS``/``EXEMPT`` how each loyalty model is
handled (a test fails on a personal model nobody declared).

The customer is found by the Shopify id of the request (the member of that customer), and by
email in the import reports, which name each CSV row by the email it carried.

Redaction erases personal data but keeps the accounts: the ledger is append-only (migration
0002's trigger) and its amounts stay, so the member's balance, pending points and lots still
equal the ledger's sums (``services.audit``) and the shop's totals do not move. What goes:
the birthday, an imported referral code (often built from a name), a staff reason for an
exclusion, the free text (reason, note) of the member's ledger entries — the only UPDATE the
trigger allows besides a status change since 0008 — and of the change log's rows about the
member (a staff adjustment's reason and note, an exclusion's reason), the member's
notifications (an outbox whose payloads may carry anything, and a redacted customer must not
be messaged), the email and error text of the import report rows that named the customer,
and their lines in an uploaded file still kept (a queued batch, or a dry run awaiting its
confirm).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from loyalty.models import (
    ImportBatch,
    LotAllocation,
    Member,
    MemberTier,
    Notification,
    OrderPoints,
    PointsLot,
    PointsTransaction,
    Redemption,
    TierChange,
    TierPurchase,
)
from loyalty.selectors import member_get_by_customer
from loyalty.services.changelog import member_changes, member_changes_redact
from loyalty.services.ledger import member_lock
from loyalty.services.members import EXCLUDED_BY_TAG
from shopify_app.models import Shop
from shopify_app.selectors import customer_emails, iso

COVERS = {
    "loyalty.Member": "exported; redaction erases the birthday, an imported referral code and "
    "a staff exclusion reason, keeping the balances (they are the ledger's sums)",
    "loyalty.PointsTransaction": "exported; redaction erases each entry's reason and note and "
    "keeps the amounts (append-only: no row is deleted)",
    "loyalty.PointsLot": "exported with the lots' allocations; amounts and dates only",
    "loyalty.LotAllocation": "exported inside its lot; amounts only",
    "loyalty.OrderPoints": "exported with its reversals; order ids and amounts only",
    "loyalty.PointsReversal": "exported inside its OrderPoints; amounts only",
    "loyalty.Redemption": "exported with the discount code; codes, amounts and the frozen "
    "offer, nothing personal to erase",
    "loyalty.Notification": "exported; redaction deletes the member's notifications",
    "loyalty.ImportBatch": "the report rows naming the customer's email are exported; "
    "redaction blanks their email and error text (it may quote the row's birthday)",
    "loyalty.MemberTier": "exported (the member's VIP tier and its term); tier ids and dates "
    "only, nothing personal to erase",
    "loyalty.TierChange": "exported (the member's tier history); tier ids, reasons and dates "
    "only, nothing personal to erase",
    "loyalty.ChangeLog": "the rows about the member (staff adjustments, exclusions, VIP tier "
    "assignments) are exported; redaction blanks their staff free text (reason, note, "
    "exclusion reason), keeping what was done and when",
    "loyalty.TierPurchase": "exported (the paid-club memberships the customer bought); order "
    "and variant ids, terms and dates only, nothing personal to erase",
}
EXEMPT = {
    "loyalty.Tier": "the merchant's VIP tiers (names, thresholds, perks), nothing about a customer",
    "loyalty.TierConfigVersion": "snapshots of the merchant's tier settings with member counts, "
    "nothing about one customer",
    "loyalty.VipProgram": "the merchant's club settings, nothing about a customer",
    "loyalty.EarningRule": "the merchant's rule names and settings, nothing about a customer",
    "loyalty.Reward": "the merchant's catalog (reward names), nothing about a customer",
    "loyalty.ProgramSettings": "the merchant's program and launcher texts, nothing on customers",
}


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _batches_naming(*, shop: Shop, emails: set[str]) -> list[ImportBatch]:
    """The shop's import batches with a report row for one of ``emails``, oldest first."""
    if not emails:
        return []
    batches = ImportBatch.objects.filter(shop=shop).order_by("created_at", "pk")
    if connection.vendor == "postgresql":
        # jsonb containment: a report array holding an object with that email (the rows
        # store emails lowercased). SQLite (development) has no such lookup: filter below.
        condition = Q()
        for email in sorted(emails):
            condition |= Q(report__contains=[{"email": email}])
        batches = batches.filter(condition)
    return [b for b in batches if any(_names(row, emails) for row in b.report)]


def _names(row: Any, emails: set[str]) -> bool:
    return isinstance(row, dict) and str(row.get("email") or "").lower() in emails


def customer_loyalty_export(
    *,
    shop: Shop,
    customer_shopify_id: int | None,
    email: str | None,
    order_shopify_ids: list[int],
) -> dict[str, Any]:
    """The customer's member account, ledger, lots, order points, redemptions (with their
    discount codes), notifications, VIP tier history and purchases, the staff's changes to the
    member and import report rows. Empty sections for a customer the
    program does not know. Read-only."""
    member = member_get_by_customer(shop=shop, customer_shopify_id=customer_shopify_id)
    emails = customer_emails(shop=shop, customer_shopify_id=customer_shopify_id, email=email)
    import_rows = [
        {"import_id": str(batch.pk), "imported_at": iso(batch.created_at), **row}
        for batch in _batches_naming(shop=shop, emails=emails)
        for row in batch.report
        if _names(row, emails)
    ]
    if member is None:
        return {
            "member": None,
            "ledger": [],
            "lots": [],
            "order_points": [],
            "redemptions": [],
            "notifications": [],
            "tier_history": [],
            "tier_purchases": [],
            "staff_changes": [],
            "import_rows": import_rows,
        }
    return {
        "member": _member_export(member),
        "ledger": [
            _entry_export(e)
            for e in PointsTransaction.objects.filter(shop=shop, member=member).order_by("pk")
        ],
        "lots": [
            _lot_export(lot)
            for lot in PointsLot.objects.filter(shop=shop, member=member)
            .prefetch_related("allocations")
            .order_by("pk")
        ],
        "order_points": [
            _order_points_export(op)
            for op in OrderPoints.objects.filter(shop=shop, member=member)
            .prefetch_related("reversals")
            .order_by("pk")
        ],
        "redemptions": [
            _redemption_export(r)
            for r in Redemption.objects.filter(shop=shop, member=member)
            .select_related("reward")
            .order_by("created_at", "pk")
        ],
        "notifications": [
            {
                "kind": n.kind,
                "payload": n.payload,
                "created_at": iso(n.created_at),
                "sent_at": iso(n.sent_at),
            }
            for n in Notification.objects.filter(shop=shop, member=member).order_by("pk")
        ],
        "tier_history": _tier_history_export(member),
        "tier_purchases": [
            {
                "tier": p.tier.name,
                "order_shopify_id": p.order_shopify_id,
                "variant_id": p.variant_id,
                "paid_at": iso(p.paid_at),
                "ends_at": iso(p.ends_at),
                "revoked_at": iso(p.revoked_at),
            }
            for p in TierPurchase.objects.filter(shop=shop, member=member)
            .select_related("tier")
            .order_by("paid_at", "pk")
        ],
        "staff_changes": [
            {"action": c.action, "before": c.before, "after": c.after, "at": iso(c.created_at)}
            for c in member_changes(member=member)
        ],
        "import_rows": import_rows,
    }


def _tier_export(member: Member) -> dict[str, Any] | None:
    state = MemberTier.objects.select_related("tier").filter(member=member).first()
    if state is None or state.tier is None:
        return None
    return {
        "name": state.tier.name,
        "term_start": iso(state.term_start),
        "kept_until": iso(state.kept_until),
    }


def _tier_history_export(member: Member) -> list[dict[str, Any]]:
    return [
        {
            "from": c.from_tier.name if c.from_tier else None,
            "to": c.to_tier.name if c.to_tier else None,
            "reason": c.reason,
            "at": iso(c.created_at),
        }
        for c in TierChange.objects.filter(member=member)
        .select_related("from_tier", "to_tier")
        .order_by("created_at", "pk")
    ]


def _member_export(member: Member) -> dict[str, Any]:
    return {
        "customer_shopify_id": member.customer.shopify_id,
        "state": member.state,
        "excluded_reason": member.excluded_reason,
        "balance": member.balance,
        "pending": member.pending,
        "lifetime_earned": member.lifetime_earned,
        "birthday": iso(member.birthday),
        "joined_at": iso(member.joined_at),
        "last_activity_at": iso(member.last_activity_at),
        "imported_tier": member.imported_tier,
        "imported_referral_code": member.imported_referral_code,
        "tier": _tier_export(member),
    }


def _entry_export(entry: PointsTransaction) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "amount": entry.amount,
        "kind": entry.kind,
        "status": entry.status,
        "source_type": entry.source_type,
        "source_id": entry.source_id,
        "reverses": entry.reverses_id,
        "reason": entry.reason,
        "note": entry.note,
        "created_at": iso(entry.created_at),
        "posted_at": iso(entry.posted_at),
        "expires_at": iso(entry.expires_at),
    }


def _lot_export(lot: PointsLot) -> dict[str, Any]:
    allocations: list[LotAllocation] = list(lot.allocations.all())
    return {
        "entry": lot.entry_id,
        "amount": lot.amount,
        "remaining": lot.remaining,
        "earned_at": iso(lot.earned_at),
        "expires_at": iso(lot.expires_at),
        "used_by": [{"entry": a.entry_id, "amount": a.amount} for a in allocations],
    }


def _order_points_export(op: OrderPoints) -> dict[str, Any]:
    return {
        "order_shopify_id": op.order_shopify_id,
        "eligible_amount": _money(op.eligible_amount),
        "awarded": op.awarded,
        "refunded_amount": _money(op.refunded_amount),
        "reversed": op.reversed,
        "cancelled": op.cancelled,
        "reversals": [
            {
                "kind": r.kind,
                "refunded_amount": _money(r.refunded_amount),
                "requested": r.requested,
                "reversed": r.reversed,
                "shortfall": r.shortfall,
                "created_at": iso(r.created_at),
            }
            for r in op.reversals.all()
        ],
    }


def _redemption_export(redemption: Redemption) -> dict[str, Any]:
    return {
        "id": str(redemption.pk),
        "reward": redemption.reward.name,
        "points": redemption.points,
        "code": redemption.code,
        "status": redemption.status,
        "amount": _money(redemption.amount),
        "percent": _money(redemption.percent),
        "offer": redemption.offer,
        "ends_at": iso(redemption.ends_at),
        "created_at": iso(redemption.created_at),
        "issued_at": iso(redemption.issued_at),
        "used_at": iso(redemption.used_at),
        "used_order_shopify_id": redemption.used_order_shopify_id,
        "refunded_at": iso(redemption.refunded_at),
    }


@transaction.atomic
def customer_loyalty_redact(
    *,
    shop: Shop,
    customer_shopify_id: int | None,
    email: str | None,
    order_shopify_ids: list[int],
) -> None:
    """Erase the customer's personal data in the program (the module docstring lists it).

    Writes: the member row (locked first, as every ledger writer does), the free text of its
    ledger entries and change log rows, its notifications (deleted) and the import reports
    naming its email.
    Balances, lots and ledger amounts are untouched. Idempotent: a second run finds nothing
    left to erase; an unknown customer is nothing to do.
    """
    emails = customer_emails(shop=shop, customer_shopify_id=customer_shopify_id, email=email)
    found = member_get_by_customer(shop=shop, customer_shopify_id=customer_shopify_id)
    if found is not None:
        member = member_lock(member_id=found.pk)
        member.birthday = None
        member.imported_referral_code = ""
        if member.excluded_reason != EXCLUDED_BY_TAG:
            member.excluded_reason = ""  # staff text; the tag marker is not personal
        member.save(
            update_fields=["birthday", "imported_referral_code", "excluded_reason", "updated_at"]
        )
        PointsTransaction.objects.filter(shop=shop, member=member).exclude(
            reason="", note=""
        ).update(reason="", note="")
        Notification.objects.filter(shop=shop, member=member).delete()
        member_changes_redact(member=member, keep={EXCLUDED_BY_TAG})
    for batch in _batches_naming(shop=shop, emails=emails):
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        batch.report = [_row_redacted(row) if _names(row, emails) else row for row in batch.report]
        batch.save(update_fields=["report"])
    _import_files_redact(shop=shop, emails=emails)


def _import_files_redact(*, shop: Shop, emails: set[str]) -> None:
    """An uploaded file is kept while its batch is queued or running, and by a finished dry run
    until it is confirmed: drop the lines carrying the customer's email, so the file no longer
    names them and a later confirm does not import them."""
    if not emails:
        return
    kept = ImportBatch.objects.select_for_update().filter(shop=shop).exclude(content="")
    for batch in kept:
        lines = batch.content.splitlines(keepends=True)
        remaining = [line for line in lines if not any(e in line.lower() for e in emails)]
        if len(remaining) < len(lines):
            batch.content = "".join(remaining)
            batch.save(update_fields=["content"])


def _row_redacted(row: dict[str, Any]) -> dict[str, Any]:
    # The line, status and point figures stay (the batch's counts still add up).
    redacted = {**row, "email": None}
    if redacted.get("error"):
        redacted["error"] = "[redacted]"
    return redacted
