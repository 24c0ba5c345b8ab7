"""Birthdays: once per member per year whatever the rule's limit, the job counts what it wrote,
the shopper sets the date once, and the job's read is served by an index."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from loyalty.exceptions import BirthdayAlreadySet, InvalidBirthday, MemberExcluded
from loyalty.models import PointsTransaction
from loyalty.services.birthdays import birthday_members, birthday_points_award_due, birthday_set
from loyalty.services.members import member_exclude
from tests.factories import EarningRuleFactory, MemberFactory

# 14:00 UTC is 09:00/10:00 in New York (the factories' shop timezone): the same calendar day.
ON_15_MARCH_2027 = datetime(2027, 3, 15, 14, 0, tzinfo=UTC)
ON_15_MARCH_2028 = datetime(2028, 3, 15, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "limit", ["unlimited", "per_period", "once", "once_per_year"], ids=lambda v: v
)
def test_every_member_born_today_is_paid_once_per_year_whatever_the_limit(shop, limit):
    EarningRuleFactory(shop=shop, kind="birthday", handle="", points=300, limit=limit)
    members = [MemberFactory(shop=shop, birthday=date(1990, 3, 15)) for _ in range(3)]

    assert birthday_points_award_due(now=ON_15_MARCH_2027) == 3
    assert birthday_points_award_due(now=ON_15_MARCH_2027 + timedelta(hours=1)) == 0
    assert birthday_points_award_due(now=ON_15_MARCH_2028) == 3

    for member in members:
        member.refresh_from_db()
        keys = set(PointsTransaction.objects.filter(member=member).values_list("idempotency_key"))
        assert member.balance == 600
        assert len(keys) == 2


def test_the_job_counts_only_what_it_wrote(shop):
    EarningRuleFactory(shop=shop, kind="birthday", handle="", points=300, limit="unlimited")
    paid = MemberFactory(shop=shop, birthday=date(1990, 3, 15))
    MemberFactory(shop=shop, birthday=date(1991, 3, 15))
    assert birthday_points_award_due(now=ON_15_MARCH_2027) == 2

    MemberFactory(shop=shop, birthday=date(1992, 3, 15))  # joined later that day
    assert birthday_points_award_due(now=ON_15_MARCH_2027 + timedelta(hours=2)) == 1

    paid.refresh_from_db()
    assert paid.balance == 300
    assert PointsTransaction.objects.count() == 3


def test_excluded_members_and_other_days_are_not_paid(shop):
    EarningRuleFactory(shop=shop, kind="birthday", handle="", points=300)
    member_exclude(member=MemberFactory(shop=shop, birthday=date(1990, 3, 15)), reason="staff")
    MemberFactory(shop=shop, birthday=date(1990, 3, 16))
    MemberFactory(shop=shop)

    assert birthday_points_award_due(now=ON_15_MARCH_2027) == 0
    assert not PointsTransaction.objects.exists()


def test_the_birthday_read_uses_the_month_day_index(shop):
    rule = EarningRuleFactory(shop=shop, kind="birthday", handle="", points=300)
    MemberFactory(shop=shop, birthday=date(1990, 3, 15))
    with connection.cursor() as cursor:
        # A handful of rows: make the planner show whether the index *can* serve the query.
        cursor.execute("SET LOCAL enable_seqscan = off")

    plan = birthday_members(rule=rule, today=date(2027, 3, 15)).explain()
    leap = birthday_members(rule=rule, today=date(2027, 2, 28)).explain()

    assert "member_shop_birthday" in plan, plan
    assert "member_shop_birthday" in leap, leap


# --- setting it --------------------------------------------------------------------------------


def test_a_customer_sets_their_birthday_once(shop):
    member = MemberFactory(shop=shop)

    birthday_set(member=member, birthday="1990-03-15")
    again = birthday_set(member=member, birthday=date(1990, 3, 15))  # a retried request
    with pytest.raises(BirthdayAlreadySet):
        birthday_set(member=member, birthday=date(1990, 4, 1))

    member.refresh_from_db()
    assert again.birthday == member.birthday == date(1990, 3, 15)


def test_staff_may_correct_a_birthday(shop):
    member = MemberFactory(shop=shop, birthday=date(1990, 3, 15))

    birthday_set(member=member, birthday=date(1990, 4, 1), by_staff=True)

    member.refresh_from_db()
    assert member.birthday == date(1990, 4, 1)


@pytest.mark.parametrize(
    "birthday",
    ["1990-02-30", "1990-13-01", "15/03/1990", "19900315", "", "1899-12-31"],
    ids=lambda v: v or "empty",
)
def test_a_birthday_must_be_a_real_date(shop, birthday):
    member = MemberFactory(shop=shop)

    with pytest.raises(InvalidBirthday):
        birthday_set(member=member, birthday=birthday)

    member.refresh_from_db()
    assert member.birthday is None


def test_a_birthday_cannot_be_in_the_future_in_the_shops_timezone(shop):
    member = MemberFactory(shop=shop)
    tomorrow = timezone.localdate(timezone=shop_tz(shop)) + timedelta(days=1)

    with pytest.raises(InvalidBirthday):
        birthday_set(member=member, birthday=tomorrow)
    with pytest.raises(InvalidBirthday):
        birthday_set(member=member, birthday=datetime(1990, 3, 15, tzinfo=UTC))

    member.refresh_from_db()
    assert member.birthday is None


def test_an_excluded_member_cannot_set_a_birthday(shop):
    member = member_exclude(member=MemberFactory(shop=shop), reason="staff")

    with pytest.raises(MemberExcluded):
        birthday_set(member=member, birthday=date(1990, 3, 15))


def shop_tz(shop):
    from zoneinfo import ZoneInfo

    return ZoneInfo(shop.timezone)
