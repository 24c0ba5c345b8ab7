"""What staff do to members from the admin: adjust points, exclude or include, and enrol the
shop's existing customers. Each goes through the ledger or member services and is recorded in
the change log with the staff member's id, in the same transaction."""

from __future__ import annotations

from django.db import transaction

from loyalty.exceptions import IdempotencyKeyReused
from loyalty.models import Member, PointsTransaction
from loyalty.services.changelog import changelog_record
from loyalty.services.ledger import member_lock, points_adjust
from loyalty.services.members import member_exclude, member_include, members_enrol_existing
from shopify_app.models import Shop


@transaction.atomic
def member_points_adjust(
    *,
    member: Member,
    points: int,
    reason: str,
    note: str,
    staff_user_id: str,
    idempotency_key: str,
) -> tuple[PointsTransaction, bool]:
    """A staff adjustment; returns ``(entry, created)``. The key is scoped to the member, so a
    retried submission returns the first entry; the same key with other points is refused
    (``IdempotencyKeyReused``) rather than answered with an entry it did not ask for."""
    key = f"member:{member.pk}:{idempotency_key}"
    # Lock first: two submissions of one key queue here, and the second reads the first's entry
    # (else both would miss it, and the loser would log a second change for one entry).
    member = member_lock(member_id=member.pk)
    existing = PointsTransaction.objects.filter(
        shop_id=member.shop_id, idempotency_key=f"adjust:{key}"
    ).first()
    if existing is not None:
        if existing.amount != points:
            raise IdempotencyKeyReused(extra={"points": existing.amount})
        return existing, False
    entry = points_adjust(
        member=member,
        points=points,
        reason=reason,
        note=note,
        created_by=staff_user_id,
        idempotency_key=key,
    )
    changelog_record(
        shop_id=member.shop_id,
        staff_user_id=staff_user_id,
        action="member.adjust_points",
        obj=member,
        after={"entry_id": entry.pk, "points": points, "reason": reason, "note": note},
    )
    return entry, True


@transaction.atomic
def member_state_set(
    *, member: Member, excluded: bool, reason: str = "", staff_user_id: str
) -> Member:
    """Exclude (with a reason) or re-include a member. Idempotent: no change, no log row."""
    member = member_lock(member_id=member.pk)  # "before" as it is now, not as the caller read it
    before = {"state": member.state, "excluded_reason": member.excluded_reason}
    if excluded:
        updated = member_exclude(member=member, reason=reason or "staff")
    else:
        updated = member_include(member=member)
    after = {"state": updated.state, "excluded_reason": updated.excluded_reason}
    if after != before:
        changelog_record(
            shop_id=member.shop_id,
            staff_user_id=staff_user_id,
            action="member.exclude" if excluded else "member.include",
            obj=updated,
            before=before,
            after=after,
        )
    return updated


@transaction.atomic
def members_enrol_existing_by_staff(*, shop: Shop, staff_user_id: str) -> int:
    """The onboarding's "enrol existing customers": ``members_enrol_existing``, logged."""
    created = members_enrol_existing(shop=shop)
    changelog_record(
        shop_id=shop.pk,
        staff_user_id=staff_user_id,
        action="members.enrol_existing",
        object_type="shop",
        object_id=str(shop.pk),
        after={"created": created},
    )
    return created
