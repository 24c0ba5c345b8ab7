"""Birthdays: the shopper sets theirs once, and the hourly job pays the birthday rule.

A birthday is paid once per member per year, whatever the rule's ``limit`` says: the key is
``rule:<id>:member:<member id>:<year>`` (the shop-local year of the day it is paid; the same key
the ``once_per_year`` limit always used, so entries written before stay deduplicated).
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from loyalty.exceptions import BirthdayAlreadySet, InvalidBirthday, MemberExcluded
from loyalty.models import EarningRule, Member, PointsTransaction
from loyalty.services.earning import earning_multiplier, floor_points
from loyalty.services.ledger import entry_write, member_lock
from loyalty.services.program import lot_expires_at, program_settings_get, shop_zone

# Nobody alive was born before this; an earlier year is a typo (19 instead of 1990).
EARLIEST_BIRTHDAY = date(1900, 1, 1)


def _parse(birthday: date | str) -> date:
    if isinstance(birthday, datetime):  # a datetime is a date subclass: refuse, do not truncate
        raise InvalidBirthday(extra={"birthday": birthday.isoformat()})
    if isinstance(birthday, date):
        return birthday
    try:
        # Strict YYYY-MM-DD: fromisoformat also takes "19900315", which a form never sends.
        if len(birthday) != 10:
            raise ValueError(birthday)
        return date.fromisoformat(birthday)
    except (TypeError, ValueError):
        raise InvalidBirthday(extra={"birthday": str(birthday)}) from None


@transaction.atomic
def birthday_set(*, member: Member, birthday: date | str, by_staff: bool = False) -> Member:
    """Record the member's birthday (a ``date`` or an ISO ``YYYY-MM-DD`` string from a form).

    Writes ``Member.birthday``. Raises ``InvalidBirthday`` (not a real date, before 1900, or
    after today in the shop's timezone), ``BirthdayAlreadySet`` (a customer sets it once, so
    it cannot be moved to collect the yearly award again; staff may correct it) and
    ``MemberExcluded``. Setting the same date again is a no-op, so a retried request succeeds.
    """
    day = _parse(birthday)
    locked = member_lock(member_id=member.pk)
    today = timezone.localtime(timezone.now(), shop_zone(locked.shop.timezone)).date()
    if not EARLIEST_BIRTHDAY <= day <= today:
        raise InvalidBirthday(extra={"birthday": day.isoformat()})
    if not by_staff:
        if locked.state != Member.State.ACTIVE:
            raise MemberExcluded()
        if locked.birthday is not None and locked.birthday != day:
            raise BirthdayAlreadySet(extra={"birthday": locked.birthday.isoformat()})
    if locked.birthday != day:
        locked.birthday = day
        locked.save(update_fields=["birthday", "updated_at"])
    return locked


def _key_prefix(rule: EarningRule) -> str:
    return f"rule:{rule.pk}:member:"


def birthday_members(*, rule: EarningRule, today: date) -> QuerySet[Member]:
    """The active members of the rule's shop whose birthday is ``today`` (a 29 February
    birthday counts on 28 February in other years) and who were not paid this year.

    The month/day match is served by the ``member_shop_birthday`` expression index; the
    "already paid" check probes the ledger's unique ``(shop, idempotency_key)`` index.
    """
    match = Q(birthday__month=today.month, birthday__day=today.day)
    if today.month == 2 and today.day == 28 and not _is_leap(today.year):
        match |= Q(birthday__month=2, birthday__day=29)
    paid = PointsTransaction.objects.filter(
        shop_id=rule.shop_id,
        idempotency_key=Concat(
            Value(_key_prefix(rule)),
            Cast(OuterRef("pk"), CharField()),
            Value(f":{today.year}"),
            output_field=CharField(),
        ),
    )
    return (
        Member.objects.filter(shop_id=rule.shop_id, state=Member.State.ACTIVE)
        .filter(match)
        .exclude(Exists(paid))
        .order_by("pk")
    )


def _birthday_award(*, member_id: int, rule: EarningRule, year: int, at: datetime) -> bool:
    """Pay one member's birthday for ``year``; False if it was already paid or the member is no
    longer active (excluded since the job read it)."""
    with transaction.atomic():
        locked = member_lock(member_id=member_id)
        if locked.state != Member.State.ACTIVE:
            return False
        points = floor_points(rule.points * earning_multiplier(member=locked, kind="action"))
        if points <= 0:
            return False
        settings = program_settings_get(shop_id=rule.shop_id)
        _, created = entry_write(
            member=locked,
            amount=points,
            kind=PointsTransaction.Kind.ACTION,
            idempotency_key=f"{_key_prefix(rule)}{locked.pk}:{year}",
            source_type="rule",
            source_id=str(rule.pk),
            note=rule.name,
            expires_at=lot_expires_at(settings=settings, earned_at=at),
            now=at,
        )
        return created


def birthday_points_award_due(*, now: datetime | None = None) -> int:
    """Award the birthday rule to every active member whose birthday is today in their shop's
    timezone. Returns how many entries it wrote (a repeat, or a concurrent run that paid a
    member first, counts nothing). One indexed read per shop with a birthday rule, then one
    short transaction per member paid. Safe to run hourly: the yearly key makes repeats no-ops.
    """
    at = now or timezone.now()
    written = 0
    rules = EarningRule.objects.filter(kind=EarningRule.Kind.BIRTHDAY, active=True)
    for rule in rules.select_related("shop"):
        today = timezone.localtime(at, shop_zone(rule.shop.timezone)).date()
        member_ids = list(birthday_members(rule=rule, today=today).values_list("pk", flat=True))
        for member_id in member_ids:
            written += _birthday_award(member_id=member_id, rule=rule, year=today.year, at=at)
    return written


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
