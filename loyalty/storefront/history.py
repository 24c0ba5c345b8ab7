"""A member's history for the launcher: keyset pages, each entry explained lot by lot.

"500 points from order #1001, 200 of them expire on 1 March": a credit names its source and
what is left of the lot it opened; a debit names the lots it consumed (``LotAllocation``).
Each page costs one query whatever the history's length: the entries (with the lot each
opened) joined to their allocations (with the lots' source entries). The source text is the
entry's customer-facing ``note``, written with the entry, so no order is looked up.

The cursor is opaque to the widget: the last entry's ``(created_at, id)``, base64url-encoded,
matching the ``points_txn_member_created`` index's order.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from config.exceptions import AppError
from loyalty.models import Member, PointsTransaction
from loyalty.services.program import shop_zone
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


def cursor_encode(entry: _Entry) -> str:
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


# One query per page: the page's entries (one more, to know whether another page follows) with
# the lot each opened, then each entry's allocations with the source of the lot they drew on,
# one row per allocation (an entry without any has one row of NULLs). Raw SQL: building this
# with the ORM (select_related plus a prefetch) cost most of GET state's CPU (bench/).
_PAGE_SQL = """
WITH page AS (
    SELECT t.id, t.created_at, t.amount, t.kind, t.status, t.note, t.posts_at,
           l.amount AS lot_amount, l.remaining AS lot_remaining, l.expires_at AS lot_expires_at,
           l.id IS NOT NULL AS has_lot
    FROM loyalty_pointstransaction t
    LEFT JOIN loyalty_pointslot l ON l.entry_id = t.id
    WHERE t.shop_id = %(shop)s AND t.member_id = %(member)s
      AND (%(at)s::timestamptz IS NULL OR t.created_at < %(at)s
           OR (t.created_at = %(at)s AND t.id < %(pk)s))
    ORDER BY t.created_at DESC, t.id DESC
    LIMIT %(limit)s
)
SELECT page.*, a.amount, al.expires_at, src.note, src.kind
FROM page
LEFT JOIN loyalty_lotallocation a ON a.entry_id = page.id
LEFT JOIN loyalty_pointslot al ON al.id = a.lot_id
LEFT JOIN loyalty_pointstransaction src ON src.id = al.entry_id
ORDER BY page.created_at DESC, page.id DESC, a.lot_id
"""


@dataclass
class _Lot:
    amount: int
    remaining: int
    expires_at: datetime | None


@dataclass
class _Entry:
    """The fields of a ``PointsTransaction`` the history reads."""

    pk: int
    created_at: datetime
    amount: int
    kind: str
    status: str
    note: str
    posts_at: datetime | None
    lot: _Lot | None
    spent_from: list[dict[str, Any]] = field(default_factory=list)


def history_page(
    *, shop: Shop, member: Member, cursor: str | None = None, size: int = PAGE_SIZE
) -> dict[str, Any]:
    """``{"entries": [...], "next_cursor": str | None}``, newest first."""
    at, pk = cursor_decode(cursor) if cursor else (None, None)
    params = {"shop": shop.pk, "member": member.pk, "at": at, "pk": pk, "limit": size + 1}
    with connection.cursor() as db:
        db.execute(_PAGE_SQL, params)
        rows = db.fetchall()
    page: dict[int, _Entry] = {}
    for row in rows:
        entry_id, created_at, amount, kind, status, note, posts_at = row[:7]
        entry = page.get(entry_id)
        if entry is None:
            lot = _Lot(*row[7:10]) if row[10] else None
            entry = page[entry_id] = _Entry(
                entry_id, created_at, amount, kind, status, note, posts_at, lot
            )
        spent, spent_expires_at, source_note, source_kind = row[11:]
        if spent is not None:
            entry.spent_from.append(
                {"points": spent, "description": _text(source_note, source_kind),
                 "expires_at": spent_expires_at}
            )  # fmt: skip
    entries = list(page.values())
    more = len(entries) > size
    entries = entries[:size]
    tz = shop_zone(shop.timezone)
    return {
        "entries": [entry_json(entry, tz=tz) for entry in entries],
        "next_cursor": cursor_encode(entries[-1]) if more else None,
    }


def _day(moment: datetime, tz: ZoneInfo) -> str:
    local = timezone.localtime(moment, tz)
    text = f"{local.day} {local:%B}"
    this_year = timezone.localtime(timezone.now(), tz).year
    return text if local.year == this_year else f"{text} {local.year}"


def _text(note: str, kind: str) -> str:
    """What an entry came from, as the member reads it ("Order #1001", "$5 off")."""
    return note or _LABELS.get(kind, kind)


def _source(entry: _Entry) -> str:
    return _text(entry.note, entry.kind)


def _in_sentence(text: str) -> str:
    # "Order #1001" reads "order #1001" after "from"; a reward or rule name keeps its case.
    return text[0].lower() + text[1:] if text.startswith(("Order ", "An ", "A ")) else text


def entry_json(entry: _Entry, *, tz: ZoneInfo) -> dict[str, Any]:
    lot = entry.lot if entry.amount > 0 else None
    spent_from = entry.spent_from
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


def explanation(entry: _Entry, *, lot, spent_from: list[dict[str, Any]], tz: ZoneInfo) -> str:
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
