"""Joining, excluding and editing members."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty.models import EarningRule, Member, ProgramSettings
from loyalty.services.bulk import rows_insert_new
from loyalty.services.ledger import member_lock
from loyalty.services.program import program_settings_get
from shopify_app.models import Customer

EXCLUDED_BY_TAG = "tag"


def _tagged(customer: Customer, tag: str) -> bool:
    tags = customer.tags if isinstance(customer.tags, list) else str(customer.tags).split(",")
    return bool(tag) and tag.strip().lower() in {str(t).strip().lower() for t in tags}


@transaction.atomic
def member_enrol(*, customer: Customer, now: datetime | None = None) -> Member:
    """The customer's member row, created if missing (then the signup rule is awarded).

    A customer carrying the shop's exclusion tag is enrolled as ``excluded``. Idempotent: the
    ``(shop, customer)`` unique key makes a concurrent second enrolment read the first.
    """
    from loyalty.services.earning import signup_points_award  # earning imports members

    at = now or timezone.now()
    settings = program_settings_get(shop_id=customer.shop_id)
    excluded = _tagged(customer, settings.exclusion_tag)
    member, created = Member.objects.get_or_create(
        shop_id=customer.shop_id,
        customer=customer,
        defaults={
            "joined_at": at,
            "last_activity_at": at,
            "state": Member.State.EXCLUDED if excluded else Member.State.ACTIVE,
            "excluded_reason": EXCLUDED_BY_TAG if excluded else "",
        },
    )
    if created and member.state == Member.State.ACTIVE:
        signup_points_award(member=member, now=at)
    return member


def member_for_earning(*, customer: Customer, now: datetime | None = None) -> Member | None:
    """The member that should earn for this customer, or None (opt-in program and not joined,
    or excluded). Enrols automatically when the program says so."""
    member = Member.objects.filter(shop_id=customer.shop_id, customer=customer).first()
    if member is None:
        settings = program_settings_get(shop_id=customer.shop_id)
        if settings.enrolment != ProgramSettings.Enrolment.AUTOMATIC:
            return None
        member = member_enrol(customer=customer, now=now)
    return member if member.state == Member.State.ACTIVE else None


def members_for_earning(
    *, shop_id: int, customers: Sequence[Customer], now: datetime | None = None
) -> dict[int, Member]:
    """``member_for_earning`` for many customers of one shop, by customer id (those that should
    not earn are left out).

    The missing members of an automatic-enrolment program are enrolled in one statement
    (``INSERT … ON CONFLICT DO NOTHING``, in customer order so two concurrent batches queue on
    the unique key in one order), then the signup rule is awarded to those this call created,
    as ``member_enrol`` does. A member enrolled concurrently by another transaction is read,
    not created twice.
    """
    from loyalty.services.earning import action_points_award  # earning imports members

    ids = sorted({c.pk for c in customers})
    members = {
        m.customer_id: m for m in Member.objects.filter(shop_id=shop_id, customer_id__in=ids)
    }
    missing = sorted((c for c in customers if c.pk not in members), key=lambda c: c.pk)
    settings = program_settings_get(shop_id=shop_id) if missing else None
    if settings is not None and settings.enrolment == ProgramSettings.Enrolment.AUTOMATIC:
        at = now or timezone.now()
        rows = []
        for customer in {c.pk: c for c in missing}.values():
            excluded = _tagged(customer, settings.exclusion_tag)
            rows.append(
                Member(
                    shop_id=shop_id,
                    customer=customer,
                    joined_at=at,
                    last_activity_at=at,
                    state=Member.State.EXCLUDED if excluded else Member.State.ACTIVE,
                    excluded_reason=EXCLUDED_BY_TAG if excluded else "",
                )
            )
        created = rows_insert_new(rows=rows, unique=["shop", "customer"])
        if len(created) < len(rows):  # enrolled meanwhile by another transaction: read those
            others = [r.customer_id for r in rows if r.pk is None]
            members.update(
                (m.customer_id, m)
                for m in Member.objects.filter(shop_id=shop_id, customer_id__in=others)
            )
        members.update((m.customer_id, m) for m in created)
        new_active = [m for m in created if m.state == Member.State.ACTIVE]
        signup = (
            EarningRule.objects.filter(
                shop_id=shop_id, kind=EarningRule.Kind.SIGNUP, active=True
            ).first()
            if new_active
            else None
        )
        for member in new_active if signup is not None else ():
            action_points_award(
                member=member, rule=signup, occurrence=f"member:{member.pk}", now=at
            )
    return {cid: m for cid, m in members.items() if m.state == Member.State.ACTIVE}


@transaction.atomic
def member_exclude(*, member: Member, reason: str) -> Member:
    """Exclude a member (staff, or the exclusion tag): they earn nothing and cannot redeem.
    Their balance is kept. Idempotent."""
    locked = member_lock(member_id=member.pk)
    locked.state, locked.excluded_reason = Member.State.EXCLUDED, reason[:255]
    locked.save(update_fields=["state", "excluded_reason", "updated_at"])
    return locked


@transaction.atomic
def member_include(*, member: Member) -> Member:
    """Bring an excluded member back into the program. Idempotent."""
    locked = member_lock(member_id=member.pk)
    locked.state, locked.excluded_reason = Member.State.ACTIVE, ""
    locked.save(update_fields=["state", "excluded_reason", "updated_at"])
    return locked


def member_exclusion_sync(*, customer: Customer) -> Member | None:
    """Follow the customer's tags: adding the exclusion tag excludes the member; removing it
    re-includes a member that the tag (not staff) had excluded."""
    member = Member.objects.filter(shop_id=customer.shop_id, customer=customer).first()
    if member is None:
        return None
    tagged = _tagged(customer, program_settings_get(shop_id=customer.shop_id).exclusion_tag)
    if tagged and member.state == Member.State.ACTIVE:
        return member_exclude(member=member, reason=EXCLUDED_BY_TAG)
    if not tagged and member.excluded_reason == EXCLUDED_BY_TAG:
        return member_include(member=member)
    return member
