"""The record of who changed what from the admin, and the versions that catch concurrent edits.

Every admin write goes through a service that, in the same transaction as the change, writes a
``ChangeLog`` row with the staff member's id and the object before and after. So the history
cannot miss a change that happened, nor show one that was rolled back.

Versions: an editable object's version is its ``updated_at`` in microseconds (every save moves
it, ``auto_now``). The admin reads it (the ``ETag``), sends it back with the edit
(``If-Match``), and ``version_check`` compares it under the row lock: a mismatch means a second
staff member saved in between, and the edit answers 409 instead of overwriting theirs. No
column is needed, and it covers fields added later.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import QuerySet

from loyalty.exceptions import VersionConflict, VersionRequired
from loyalty.models import ChangeLog, Member

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The keys of a member's change rows that carry staff free text about the customer (a points
# adjustment's reason and note, an exclusion's reason): what customers/redact erases.
MEMBER_FREE_TEXT = ("reason", "note", "excluded_reason")
# Never part of a snapshot: identity, bookkeeping, and what the version already says.
_SKIPPED = {"id", "shop", "created_at", "updated_at"}


def version_of(obj: models.Model) -> str:
    updated_at = obj.updated_at
    return str((updated_at - _EPOCH) // timedelta(microseconds=1))


def version_check(*, obj: models.Model, expected: str | None) -> None:
    """Raise unless ``expected`` is ``obj``'s current version (the caller holds its row lock)."""
    if not expected:
        raise VersionRequired()
    if expected != version_of(obj):
        raise VersionConflict(extra={"current_version": version_of(obj)})


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's editable fields as JSON values (Decimals as strings: no float drift)."""
    return {
        field.attname if field.is_relation else field.name: _json_value(getattr(obj, field.attname))
        for field in obj._meta.concrete_fields
        if field.name not in _SKIPPED
    }


def changelog_record(
    *,
    shop_id: int,
    staff_user_id: str,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> ChangeLog:
    """One history row; call it inside the transaction of the change it records. ``before`` and
    ``after`` are reduced to the fields that changed (all of ``after`` for a creation)."""
    before, after = before or {}, after or {}
    if before and after:
        changed = {k for k in after if before.get(k) != after[k]}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    if obj is not None:
        object_type = object_type or obj._meta.model_name or ""
        object_id = object_id or str(obj.pk)
    return ChangeLog.objects.create(
        shop_id=shop_id,
        staff_user_id=staff_user_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
    )


# --- the compliance webhooks ---------------------------------------------------------------


def member_changes(*, member: Member) -> QuerySet[ChangeLog]:
    """The change rows about one member (``changelog_record(obj=member)``: adjustments,
    exclusions, VIP tier assignments), oldest first."""
    return ChangeLog.objects.filter(
        shop_id=member.shop_id,
        object_type="member",
        object_id=str(member.pk),
    ).order_by("created_at", "pk")


def member_changes_redact(*, member: Member, keep: Collection[str] = ()) -> int:
    """``customers/redact``: blank the staff free text (``MEMBER_FREE_TEXT``) in the member's
    change rows, keeping what was done, by whom and when; values in ``keep`` (a marker that
    is not personal) stay. The only edit a change row ever gets. Returns the rows changed."""
    changed = 0
    for row in member_changes(member=member).select_for_update():
        before, after = _erased(row.before, keep), _erased(row.after, keep)
        if (before, after) != (row.before, row.after):
            row.before, row.after = before, after
            row.save(update_fields=["before", "after"])
            changed += 1
    return changed


def _erased(values: dict[str, Any], keep: Collection[str]) -> dict[str, Any]:
    return {
        k: "" if k in MEMBER_FREE_TEXT and isinstance(v, str) and v not in keep else v
        for k, v in values.items()
    }
