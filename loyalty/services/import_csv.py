"""The CSV layouts an import reads, parsed into rows with per-row errors.

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
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from loyalty.exceptions import InvalidImport
from loyalty.models import ImportBatch
from loyalty.services.ledger import MAX_POINTS

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
