"""Joining, excluding and editing members; enrolling a shop's existing customers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.utils import timezone

from loyalty.models import EarningRule, Member, ProgramSettings
from loyalty.services.bulk import rows_insert_new
from loyalty.services.invalidation import members_changed, shop_changed
from loyalty.services.ledger import member_lock
from loyalty.services.program import program_settings_get
from shopify_app.models import Customer, Shop

EXCLUDED_BY_TAG = "tag"


def _tagged(customer: Customer, tag: str) -> bool:
    tags = customer.tags if isinstance(customer.tags, list) else str(customer.tags).split(",")
    return bool(tag) and tag.strip().lower() in {str(t).strip().lower() for t in tags}


def _has_account(customer: Customer) -> bool:
    """A customer with an account (Shopify state ``enabled``); a guest checkout has none."""
    return customer.state == "enabled"


def _enrols(settings: ProgramSettings, customer: Customer) -> bool:
    """Whether an order or a customer webhook makes this customer a member: automatic
    programs only, per the enrolment scope, never a deleted or redacted customer."""
    if settings.enrolment != ProgramSettings.Enrolment.AUTOMATIC:
        return False
    if customer.deleted_at is not None or customer.redacted_at is not None:
        return False
    scope = settings.enrolment_scope
    return scope == ProgramSettings.EnrolmentScope.ALL_CUSTOMERS or _has_account(customer)


@transaction.atomic
def member_enrol(*, customer: Customer, now: datetime | None = None) -> Member:
    """The customer's member row, created if missing (then the signup rule is awarded to a
    customer with an account: a guest checkout did not sign up).

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
            "signup_awaited": not _has_account(customer),
        },
    )
    if created:
        members_changed(shop_id=member.shop_id, members=[member])
    if created and member.state == Member.State.ACTIVE and _has_account(customer):
        signup_points_award(member=member, now=at)
    return member


@transaction.atomic
def member_signup_complete(*, customer: Customer, now: datetime | None = None) -> Member | None:
    """A guest member who has since created an account gets the signup rule, once: the flag
    is cleared under the member's row lock and the award is keyed per member, so a repeated or
    concurrent customers/update pays nothing more. Excluded members are not paid (the flag
    stays, so re-inclusion before the account is created still pays)."""
    from loyalty.services.earning import signup_points_award  # earning imports members

    if not _has_account(customer):
        return None
    member = (
        Member.objects.select_for_update()
        .filter(shop_id=customer.shop_id, customer=customer, signup_awaited=True)
        .first()
    )
    if member is None or member.state != Member.State.ACTIVE:
        return None
    members_changed(shop_id=member.shop_id, members=[member])
    member.signup_awaited = False
    member.save(update_fields=["signup_awaited", "updated_at"])
    signup_points_award(member=member, now=now)
    return member


def member_for_earning(*, customer: Customer, now: datetime | None = None) -> Member | None:
    """The member that should earn for this customer, or None (not joined and not to be
    enrolled: an opt-in program, or a guest when only accounts are enrolled; or excluded).
    Enrols when the program's enrolment setting says so (``_enrols``)."""
    member = Member.objects.filter(shop_id=customer.shop_id, customer=customer).first()
    if member is None:
        if not _enrols(program_settings_get(shop_id=customer.shop_id), customer):
            return None
        member = member_enrol(customer=customer, now=now)
    return member if member.state == Member.State.ACTIVE else None


def members_for_earning(
    *, shop_id: int, customers: Sequence[Customer], now: datetime | None = None
) -> dict[int, Member]:
    """``member_for_earning`` for many customers of one shop, by customer id (those that should
    not earn are left out).

    The missing members that the enrolment setting admits (``_enrols``) are enrolled in one
    statement
    (``INSERT … ON CONFLICT DO NOTHING``, in customer order so two concurrent batches queue on
    the unique key in one order), then the signup rule is awarded to those this call created
    that have an account, as ``member_enrol`` does. A member enrolled concurrently by another
    transaction is read, not created twice.
    """
    ids = sorted({c.pk for c in customers})
    members = {
        m.customer_id: m for m in Member.objects.filter(shop_id=shop_id, customer_id__in=ids)
    }
    missing = sorted((c for c in customers if c.pk not in members), key=lambda c: c.pk)
    settings = program_settings_get(shop_id=shop_id) if missing else None
    missing = [c for c in missing if settings is not None and _enrols(settings, c)]
    if settings is not None and missing:
        members.update(
            _members_create(shop_id=shop_id, customers=missing, settings=settings, now=now)
        )
    return {cid: m for cid, m in members.items() if m.state == Member.State.ACTIVE}


@transaction.atomic
def members_enrol(
    *, shop_id: int, customers: Sequence[Customer], now: datetime | None = None
) -> dict[int, Member]:
    """``member_enrol`` for many customers of one shop (the CSV import): their members by
    customer id, in every state, the missing ones created whatever the enrolment setting
    (staff asked for them), as ``members_for_earning`` creates them (one statement, then the
    signup rule to those created that have an account)."""
    ids = sorted({c.pk for c in customers})
    members = {
        m.customer_id: m for m in Member.objects.filter(shop_id=shop_id, customer_id__in=ids)
    }
    missing = sorted((c for c in customers if c.pk not in members), key=lambda c: c.pk)
    if missing:
        settings = program_settings_get(shop_id=shop_id)
        members.update(
            _members_create(shop_id=shop_id, customers=missing, settings=settings, now=now)
        )
    return members


def _members_create(
    *,
    shop_id: int,
    customers: Sequence[Customer],
    settings: ProgramSettings,
    now: datetime | None,
) -> dict[int, Member]:
    """Create the members of ``customers`` (who have none; in customer order) and award the
    signup rule to those created active with an account. Returns them by customer id, with any
    that another transaction enrolled meanwhile read instead."""
    from loyalty.services.earning import action_points_award  # earning imports members

    at = now or timezone.now()
    members: dict[int, Member] = {}
    rows = []
    for customer in {c.pk: c for c in customers}.values():
        excluded = _tagged(customer, settings.exclusion_tag)
        rows.append(
            Member(
                shop_id=shop_id,
                customer=customer,
                joined_at=at,
                last_activity_at=at,
                state=Member.State.EXCLUDED if excluded else Member.State.ACTIVE,
                excluded_reason=EXCLUDED_BY_TAG if excluded else "",
                signup_awaited=not _has_account(customer),
            )
        )
    created = rows_insert_new(rows=rows, unique=["shop", "customer"])
    members_changed(shop_id=shop_id, members=created)
    if len(created) < len(rows):  # enrolled meanwhile by another transaction: read those
        others = [r.customer_id for r in rows if r.pk is None]
        members.update(
            (m.customer_id, m)
            for m in Member.objects.filter(shop_id=shop_id, customer_id__in=others)
        )
    members.update((m.customer_id, m) for m in created)
    with_account = {c.pk for c in customers if _has_account(c)}
    new_active = [
        m for m in created if m.state == Member.State.ACTIVE and m.customer_id in with_account
    ]
    signup = (
        EarningRule.objects.filter(
            shop_id=shop_id, kind=EarningRule.Kind.SIGNUP, active=True
        ).first()
        if new_active
        else None
    )
    for member in new_active if signup is not None else ():
        action_points_award(member=member, rule=signup, occurrence=f"member:{member.pk}", now=at)
    return members


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


@transaction.atomic
def members_enrol_existing(*, shop: Shop, now: datetime | None = None) -> int:
    """Enrol the shop's existing customers (those of the initial sync, say) that the
    enrolment setting admits, in one ``INSERT … SELECT … ON CONFLICT DO NOTHING``; returns how
    many members it created. The admin's onboarding calls it after showing
    ``enrolment_preview_get``.

    Writes ``Member`` rows only: no signup points, since these customers signed up before the
    program existed (and paying them would be a ledger write per customer); a guest among them
    is flagged ``signup_awaited``, and paid when they create an account. A customer with the
    exclusion tag is enrolled as ``excluded``, as ``member_enrol`` does. Idempotent: customers
    who already have a member are skipped, and one enrolled concurrently (an order, a webhook)
    by the unique ``(shop, customer)`` key; rows go in customer order, as the other enrolment
    paths write them, so concurrent writers queue on that key in one order.
    """
    from loyalty.selectors import customers_to_enrol  # selectors import services

    at = now or timezone.now()
    excluded = Q(excluded_by_tag=True)
    columns = {
        "shop_id": Value(shop.pk),
        "customer_id": F("pk"),
        "balance": Value(0),
        "pending": Value(0),
        "lifetime_earned": Value(0),
        "state": Case(
            When(excluded, then=Value(str(Member.State.EXCLUDED))),
            default=Value(str(Member.State.ACTIVE)),
        ),
        "excluded_reason": Case(When(excluded, then=Value(EXCLUDED_BY_TAG)), default=Value("")),
        "joined_at": Value(at, output_field=DateTimeField()),
        "last_activity_at": Value(at, output_field=DateTimeField()),
        "imported_tier": Value(""),
        "imported_referral_code": Value(""),
        # A guest among them has not signed up yet: their account, later, pays the signup rule.
        "signup_awaited": Case(When(state="enabled", then=Value(False)), default=Value(True)),
        "created_at": Value(at, output_field=DateTimeField()),
        "updated_at": Value(at, output_field=DateTimeField()),
    }
    aliases = {f"new_{name}": expression for name, expression in columns.items()}
    rows = customers_to_enrol(shop=shop).annotate(**aliases).values_list(*aliases)
    try:
        select, params = rows.query.sql_with_params()
    except EmptyResultSet:  # nobody to enrol (an opt-in program): Django builds no SQL
        return 0
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Member._meta.db_table)} ({', '.join(map(quote, columns))}) "
            f"{select} ON CONFLICT ({quote('shop_id')}, {quote('customer_id')}) DO NOTHING",
            params,
        )
        created = max(cursor.rowcount, 0)
    if created:
        shop_changed(shop_id=shop.pk)  # set-based: every new member's state at once
    return created
