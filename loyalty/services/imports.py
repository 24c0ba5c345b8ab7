"""Importing balances from another loyalty app (a CSV), with a dry run and per-row errors.

Columns (header names are matched case-insensitively, spaces and dashes read as ``_``):

- generic: ``email``, ``points``, optional ``earned_at`` (ISO date or datetime), ``tier``,
  ``birthday`` (``YYYY-MM-DD`` or ``MM-DD``), ``referral_code``.
- Smile.io: its help centre documents its points CSV as ``email`` + ``points`` (the generic
  layout). Its customer object (developer docs) names the balance ``points_balance``, the
  birthday ``date_of_birth`` (year 1004 = year unknown), the referral link ``referral_url`` and
  the tier ``vip_tier``; we accept those names. The exact headers of Smile's customer *export*
  file are not documented where we could read them (unconfirmed).
- LoyaltyLion: its help centre says exports let the merchant pick and rename columns and that
  a customer's spendable points are "points approved" (pending ones are "points pending"). We
  read ``points_approved`` (or ``approved_points``) as the balance and ignore pending points,
  plus ``tier``/``tier_name``, ``birthday``, ``referral_link``/``referral_code``; the default
  header spellings are unconfirmed.

Re-import never doubles: the file states each member's *imported* balance. A member's import
entries carry ``source_type="import"``; the row writes only the difference between the file's
value and what earlier imports already credited, keyed by the member and this file's content
hash and the imported total it started from, so re-running the same file is a no-op and a
corrected file adjusts to the new value.
Points earned or spent in this app since are untouched. A reduction larger than the current
balance is refused for that row (never a negative balance). Only customers already mirrored
(synced from Shopify) can be imported; others are row errors.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from loyalty.exceptions import InvalidImport
from loyalty.models import ImportBatch, Member, PointsTransaction
from loyalty.services.ledger import MAX_POINTS, entry_write, member_lock
from loyalty.services.members import member_enrol
from loyalty.services.program import lot_expires_at, program_settings_get
from shopify_app.models import Customer, Shop

Kind = PointsTransaction.Kind
MAX_ROWS = 200_000

# canonical name -> accepted header spellings, per format
_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    ImportBatch.Format.GENERIC: {
        "email": ("email",),
        "points": ("points",),
        "earned_at": ("earned_at", "earn_date"),
        "tier": ("tier",),
        "birthday": ("birthday",),
        "referral_code": ("referral_code",),
    },
    ImportBatch.Format.SMILE: {
        "email": ("email",),
        "points": ("points", "points_balance"),
        "earned_at": (),
        "tier": ("vip_tier", "vip_tier_name", "tier"),
        "birthday": ("date_of_birth", "birthday"),
        "referral_code": ("referral_url", "referral_code"),
    },
    ImportBatch.Format.LOYALTYLION: {
        "email": ("email", "customer_email"),
        "points": ("points_approved", "approved_points", "points"),
        "earned_at": (),
        "tier": ("tier", "tier_name", "current_tier"),
        "birthday": ("birthday", "date_of_birth"),
        "referral_code": ("referral_link", "referral_code", "referral_url"),
    },
}


@dataclass
class ImportRow:
    line: int
    email: str
    points: int | None = None
    earned_at: datetime | None = None
    tier: str = ""
    birthday: date | None = None
    referral_code: str = ""
    errors: list[str] = field(default_factory=list)


def _norm(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_").lstrip("\ufeff")


def _parse_birthday(raw: str) -> date:
    value = raw.strip()
    if len(value) == 5 and value[2] == "-":  # MM-DD: a leap year keeps 29 February valid
        value = f"2000-{value}"
    parsed = parse_date(value)
    if parsed is None:
        raise ValueError
    return parsed


def _referral_code(raw: str) -> str:
    # A referral URL (Smile's referral_url): the code is its last path segment.
    return raw.strip().rstrip("/").rsplit("/", 1)[-1][:64]


def import_rows_parse(*, content: str, format: str) -> list[ImportRow]:
    """Parse the CSV into rows with per-row errors. Raises ``InvalidImport`` when the file as a
    whole is unusable (no header, no email or points column, too many rows)."""
    if format not in _COLUMNS:
        raise InvalidImport(f"Unknown format {format!r}.")
    reader = csv.reader(io.StringIO(content))
    try:
        header = [_norm(h) for h in next(reader)]
    except StopIteration as exc:
        raise InvalidImport("The file is empty.") from exc
    index: dict[str, int] = {}
    for name, spellings in _COLUMNS[format].items():
        for spelling in spellings:
            if spelling in header:
                index[name] = header.index(spelling)
                break
    missing = [n for n in ("email", "points") if n not in index]
    if missing:
        raise InvalidImport(f"Missing column(s): {', '.join(missing)}.", extra={"header": header})
    rows: list[ImportRow] = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise InvalidImport(f"At most {MAX_ROWS} rows per file.")

        def cell(name: str, values: list[str] = values) -> str:
            i = index.get(name)
            return values[i].strip() if i is not None and i < len(values) else ""

        row = ImportRow(line=line, email=cell("email").lower())
        if "@" not in row.email:
            row.errors.append("invalid email")
        raw_points = cell("points").replace(",", "")
        try:
            row.points = int(raw_points)
            if row.points < 0 or row.points > MAX_POINTS:
                row.errors.append(f"points must be between 0 and {MAX_POINTS}")
        except ValueError:
            row.errors.append(f"points {raw_points!r} is not a whole number")
        if raw := cell("earned_at"):
            parsed = parse_datetime(raw) or (
                datetime.combine(d, time()) if (d := parse_date(raw)) else None
            )
            if parsed is None:
                row.errors.append(f"earned_at {raw!r} is not a date")
            else:
                row.earned_at = (
                    parsed
                    if timezone.is_aware(parsed)
                    else timezone.make_aware(parsed, timezone.UTC)
                )
        if raw := cell("birthday"):
            try:
                row.birthday = _parse_birthday(raw)
            except ValueError:
                row.errors.append(f"birthday {raw!r} is not a date")
        row.tier = cell("tier")[:64]
        row.referral_code = _referral_code(cell("referral_code"))
        rows.append(row)
    seen: dict[str, int] = {}
    for row in rows:
        if row.email in seen and not row.errors:
            row.errors.append(f"duplicate of line {seen[row.email]}")
        seen.setdefault(row.email, row.line)
    return rows


def _imported_so_far(member: Member) -> int:
    total = PointsTransaction.objects.filter(
        member=member, source_type="import", status=PointsTransaction.Status.POSTED
    ).aggregate(total=Sum("amount"))["total"]
    return total or 0


def points_import(
    *,
    shop: Shop,
    content: str,
    format: str = ImportBatch.Format.GENERIC,
    dry_run: bool,
    created_by: str = "",
    filename: str = "",
) -> ImportBatch:
    """Import a CSV (see the module docstring); ``dry_run`` computes the same report without
    writing points. Returns the ``ImportBatch`` whose ``report`` lists each row's status
    (``changed``/``unchanged``/``error``), current imported points, target and delta.

    Each row commits on its own (member lock, entry, member fields), so one bad row never
    blocks the rest and a re-run resumes where a crash left off. Raises ``InvalidImport`` for
    an unusable file.
    """
    rows = import_rows_parse(content=content, format=format)
    digest = hashlib.sha256(content.encode()).hexdigest()
    customers = {
        (c.email or "").lower(): c
        for c in Customer.objects.filter(
            shop=shop,
            email__in=[r.email for r in rows],
            redacted_at__isnull=True,
            deleted_at__isnull=True,
        )
    }
    # Emails differing only in case: match case-insensitively for the rest.
    for row in rows:
        if row.email not in customers:
            match = Customer.objects.filter(
                shop=shop, email__iexact=row.email, redacted_at__isnull=True
            ).first()
            if match is not None:
                customers[row.email] = match
    report: list[dict[str, Any]] = []
    counts = {"changed": 0, "unchanged": 0, "error": 0}
    for row in rows:
        result = _import_row(
            shop=shop, row=row, customer=customers.get(row.email), digest=digest, dry_run=dry_run
        )
        counts[result["status"]] += 1
        report.append(result)
    return ImportBatch.objects.create(
        shop=shop,
        format=format,
        content_sha256=digest,
        filename=filename[:255],
        dry_run=dry_run,
        created_by=created_by,
        rows_total=len(rows),
        rows_changed=counts["changed"],
        rows_unchanged=counts["unchanged"],
        rows_failed=counts["error"],
        report=report,
    )


def _import_row(
    *, shop: Shop, row: ImportRow, customer: Customer | None, digest: str, dry_run: bool
) -> dict[str, Any]:
    result: dict[str, Any] = {"line": row.line, "email": row.email}
    if not row.errors and customer is None:
        row.errors.append("no customer with this email in the shop (sync customers first)")
    if row.errors:
        return {**result, "status": "error", "error": "; ".join(row.errors)}
    assert customer is not None and row.points is not None
    member = Member.objects.filter(shop=shop, customer=customer).first()
    if member is not None and member.state != Member.State.ACTIVE:
        return {**result, "status": "error", "error": "member is excluded"}
    current = _imported_so_far(member) if member is not None else 0
    delta = row.points - current
    result.update(current=current, target=row.points, delta=delta)
    if member is not None and delta < 0 and -delta > member.balance:
        return {
            **result,
            "status": "error",
            "error": f"would take {-delta} points but the balance is {member.balance}",
        }
    if dry_run:
        return {**result, "status": "changed" if delta else "unchanged"}
    with transaction.atomic():
        member = member or member_enrol(customer=customer)
        member = member_lock(member_id=member.pk)
        current = _imported_so_far(member)  # re-read under the lock
        delta = row.points - current
        result.update(current=current, delta=delta)
        if delta:
            earned_at = row.earned_at or timezone.now()
            settings = program_settings_get(shop_id=shop.pk)
            entry_write(
                member=member,
                amount=delta,
                kind=Kind.IMPORT,
                # The key names the starting point too, so going back to an earlier file
                # (A → B → A) is a new, correct entry, while re-running a file is a no-op.
                idempotency_key=f"import:{member.pk}:{digest[:32]}:{current}",
                source_type="import",
                source_id=digest[:64],
                note="Points carried over from your previous rewards program",
                earned_at=earned_at,
                expires_at=lot_expires_at(settings=settings, earned_at=earned_at),
            )
        fields = []
        if row.birthday and member.birthday is None:
            member.birthday = row.birthday
            fields.append("birthday")
        if row.tier:
            member.imported_tier = row.tier
            fields.append("imported_tier")
        if row.referral_code:
            member.imported_referral_code = row.referral_code
            fields.append("imported_referral_code")
        if fields:
            member.save(update_fields=[*fields, "updated_at"])
    return {**result, "status": "changed" if delta else "unchanged"}
