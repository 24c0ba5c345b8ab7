"""A member's history for the launcher: keyset pages, each entry explained lot by lot.

"500 points from order #1001, 200 of them expire on 1 March": a credit names its source and
what is left of the lot it opened; a debit names the lots it consumed (``LotAllocation``).
Each page costs the same two queries whatever the history's length: the entries (with the lot
each opened) and their allocations (with the lots' source entries). The source text is the
entry's customer-facing ``note``, written with the entry, so no order is looked up.

The cursor is opaque to the widget: the last entry's ``(created_at, id)``, base64url-encoded,
matching the ``points_txn_member_created`` index's order.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Prefetch, Q
from django.utils import timezone

from config.exceptions import AppError
from loyalty.models import LotAllocation, Member, PointsTransaction
from shopify_app.models import Shop

PAGE_SIZE = 10
Kind = PointsTransaction.Kind
Status = PointsTransaction.Status
# How a debit's kind reads in a sentence ("300 points spent on $5 off").
_DEBIT_VERBS = {
    Kind.REDEEM: "spent on",
    Kind.EXPIRY: "expired",
    Kind.REFUND_REVERSAL: "taken back:",
    Kind.CANCEL_REVERSAL: "taken back:",
    Kind.ADJUSTMENT: "removed:",
}
_LABELS = {
    Kind.ORDER: "An order",
    Kind.ACTION: "A reward action",
    Kind.REDEEM: "A reward",
    Kind.REDEEM_REFUND: "Points returned",
    Kind.EXPIRY: "Points expired",
    Kind.ADJUSTMENT: "An adjustment by the store",
    Kind.REFERRAL: "A referral",
    Kind.TIER_BONUS: "A VIP bonus",
    Kind.IMPORT: "Points carried over",
}
# A debit lists at most this many of the lots it used; the rest are counted.
_MAX_SOURCES = 3


class InvalidCursor(AppError):
    """This history page link is not valid: reload the history."""

    code = "invalid_cursor"


def cursor_encode(entry: PointsTransaction) -> str:
    raw = f"{entry.created_at.isoformat()}|{entry.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, pk = raw.split("|")
        at = datetime.fromisoformat(created)
        if at.tzinfo is None:
            raise ValueError(created)
        return at, int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor(extra={"cursor": cursor[:100]}) from None


def history_page(
    *, shop: Shop, member: Member, cursor: str | None = None, size: int = PAGE_SIZE
) -> dict[str, Any]:
    """``{"entries": [...], "next_cursor": str | None}``, newest first."""
    entries = PointsTransaction.objects.filter(shop=shop, member=member)
    if cursor:
        at, pk = cursor_decode(cursor)
        entries = entries.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))
    page = list(
        entries.select_related("lot")
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=LotAllocation.objects.select_related("lot__entry").order_by("lot_id"),
            )
        )
        .order_by("-created_at", "-pk")[: size + 1]
    )
    more = len(page) > size
    page = page[:size]
    tz = _tz(shop)
    return {
        "entries": [entry_json(entry, tz=tz) for entry in page],
        "next_cursor": cursor_encode(page[-1]) if more else None,
    }


def _tz(shop: Shop) -> ZoneInfo:
    try:
        return ZoneInfo(shop.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _day(moment: datetime, tz: ZoneInfo) -> str:
    local = timezone.localtime(moment, tz)
    text = f"{local.day} {local:%B}"
    this_year = timezone.localtime(timezone.now(), tz).year
    return text if local.year == this_year else f"{text} {local.year}"


def _source(entry: PointsTransaction) -> str:
    """What the entry came from, as the member reads it ("Order #1001", "$5 off")."""
    return entry.note or _LABELS.get(entry.kind, entry.kind)


def _in_sentence(text: str) -> str:
    # "Order #1001" reads "order #1001" after "from"; a reward or rule name keeps its case.
    return text[0].lower() + text[1:] if text.startswith(("Order ", "An ", "A ")) else text


def entry_json(entry: PointsTransaction, *, tz: ZoneInfo) -> dict[str, Any]:
    lot = getattr(entry, "lot", None) if entry.amount > 0 else None
    spent_from = [
        {
            "points": allocation.amount,
            "description": _source(allocation.lot.entry),
            "expires_at": allocation.lot.expires_at,
        }
        for allocation in entry.allocations.all()
    ]
    return {
        "id": entry.pk,
        "created_at": entry.created_at,
        "points": entry.amount,
        "kind": entry.kind,
        "status": entry.status,
        "description": _source(entry),
        "posts_at": entry.posts_at if entry.status == Status.PENDING else None,
        "lot": None
        if lot is None
        else {"points": lot.amount, "remaining": lot.remaining, "expires_at": lot.expires_at},
        "spent_from": spent_from,
        "explanation": explanation(entry, lot=lot, spent_from=spent_from, tz=tz),
    }


def explanation(
    entry: PointsTransaction, *, lot, spent_from: list[dict[str, Any]], tz: ZoneInfo
) -> str:
    """The entry in one English sentence (the widget may compose its own from the fields)."""
    source = _in_sentence(_source(entry))
    if entry.amount > 0:
        head = f"{entry.amount} points from {source}"
        if entry.status == Status.PENDING:
            when = f" on {_day(entry.posts_at, tz)}" if entry.posts_at else " later"
            return f"{head}, pending: they can be spent{when}"
        if entry.status == Status.VOID:
            return f"{head}, cancelled"
        if lot is None:
            return head
        if lot.remaining == 0:
            return f"{head}, all of them spent or expired"
        if lot.expires_at is not None:
            share = "all of them" if lot.remaining == lot.amount else f"{lot.remaining} of them"
            return f"{head}, {share} expire on {_day(lot.expires_at, tz)}"
        if lot.remaining < lot.amount:
            return f"{head}, {lot.remaining} of them left to spend"
        return head
    verb = _DEBIT_VERBS.get(entry.kind, "used:")
    head = f"{-entry.amount} points {verb}"
    if entry.kind != Kind.EXPIRY:
        head = f"{head} {_source(entry)}"
    if not spent_from:
        return head
    parts = [f"{s['points']} from {_in_sentence(s['description'])}" for s in spent_from]
    if len(parts) > _MAX_SOURCES:
        parts = [*parts[:_MAX_SOURCES], f"{len(parts) - _MAX_SOURCES} more"]
    return f"{head} ({', '.join(parts)})"
