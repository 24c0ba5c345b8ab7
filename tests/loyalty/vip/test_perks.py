"""Recurring perks: a tier's free-shipping (or percent-off) code for every member each month or
quarter, one per member per period however often the beat job runs, created in devshop after
commit through the redemption path and retried on throttling; and a catalog entry reward's code
created the same way."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.conf import settings

from devshop.models import DevDiscountCode
from loyalty import tasks as loyalty_tasks
from loyalty.models import Redemption
from loyalty.services.members import member_exclude
from loyalty.vip.perks import perk_period, tier_perks_issue
from loyalty.vip.services import member_tiers_evaluate
from shopify_app import admin_api
from shopify_app.exceptions import ShopifyThrottled
from tests.callbacks import work
from tests.factories import RewardFactory
from tests.loyalty.conftest import credit, devshop_connect, devshop_member
from tests.loyalty.vip.conftest import configure, tier

DECEMBER = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
JANUARY = datetime(2027, 1, 3, 15, 0, tzinfo=UTC)


@pytest.fixture
def dev_shop(shop, inprocess_http):
    return devshop_connect(shop)


def free_shipping(shop):
    return RewardFactory(
        shop=shop, kind="free_shipping", name="Gold free shipping", amount=None, points_cost=900
    )


def gold_club(shop, reward, every="month"):
    return configure(
        shop,
        tier("Member", 1, "0", basis="points"),
        tier("Gold", 2, "100", basis="points", perk_reward_id=reward.pk, perk_every=every),
    )


def members(shop, dev_shop, points: list[int]):
    found = []
    for i, amount in enumerate(points):
        member = devshop_member(shop, dev_shop)
        credit(member, amount, f"seed-{i}", now=DECEMBER)
        found.append(member)
    return found


def issue(ids) -> None:
    loyalty_tasks.redemptions_issue.apply(
        kwargs={"redemption_ids": [str(i) for i in ids]}, throw=True
    )


def test_every_gold_member_gets_one_free_shipping_code_a_month(
    shop, dev_shop, django_capture_on_commit_callbacks
):
    reward = free_shipping(shop)
    tiers = gold_club(shop, reward)
    gold_a, gold_b, _below_gold, excluded = members(shop, dev_shop, [150, 400, 10, 500])
    member_tiers_evaluate(shop=shop, now=DECEMBER)
    member_exclude(member=excluded, reason="fraud")

    with django_capture_on_commit_callbacks() as callbacks:
        given = tier_perks_issue(shop=shop, now=DECEMBER)
    again = tier_perks_issue(shop=shop, now=DECEMBER.replace(day=28))  # a later run, same month

    assert (given, again) == (2, 0)
    assert len(work(callbacks)) == 1  # one issue task for the chunk, after commit
    codes = Redemption.objects.filter(shop=shop).order_by("member_id")
    gold = tiers["Gold"].pk
    assert [(r.member_id, r.grant_key, r.points, r.status) for r in codes] == [
        (gold_a.pk, f"vip:{gold}:member:{gold_a.pk}:perk:2026-12", 0, "pending"),
        (gold_b.pk, f"vip:{gold}:member:{gold_b.pk}:perk:2026-12", 0, "pending"),
    ]
    # Good until the month ends on the shop's calendar.
    _, month_end = perk_period(every="month", timezone_name=shop.timezone, now=DECEMBER)
    assert {r.ends_at for r in codes} == {month_end}

    issue(r.pk for r in codes)

    for redemption in codes.all():
        assert redemption.status == "issued"
        made = DevDiscountCode.objects.get(shop=dev_shop, code__iexact=redemption.code)
        assert made.kind == "free_shipping"
        assert made.context_customer_ids == [redemption.member.customer.shopify_id]
    # Balances untouched: a perk costs no points.
    gold_a.refresh_from_db()
    assert gold_a.balance == 150

    # January: a new period, a new code each.
    assert tier_perks_issue(shop=shop, now=JANUARY) == 2
    assert Redemption.objects.filter(grant_key__endswith=":perk:2027-01").count() == 2


def test_a_throttled_code_is_retried_and_then_created(shop, dev_shop):
    reward = RewardFactory(
        shop=shop, kind="percent_off", name="Gold 10% off", amount=None, percent=Decimal("10"),
        points_cost=900,
    )  # fmt: skip
    gold_club(shop, reward, every="quarter")
    (member,) = members(shop, dev_shop, [200])
    member_tiers_evaluate(shop=shop, now=DECEMBER)
    tier_perks_issue(shop=shop, now=DECEMBER)
    redemption = Redemption.objects.get(member=member)
    assert redemption.grant_key.endswith(":perk:2026-Q4")

    with (
        mock.patch.object(
            admin_api, "mutate", autospec=True,
            side_effect=ShopifyThrottled("throttled", retry_after=2.0, status=429),
        ),
        pytest.raises(Retry),
    ):  # fmt: skip
        issue([redemption.pk])
    redemption.refresh_from_db()
    assert (redemption.status, redemption.attempts) == ("pending", 1)

    issue([redemption.pk])  # the retry

    redemption.refresh_from_db()
    assert redemption.status == "issued"
    made = DevDiscountCode.objects.get(shop=dev_shop, code__iexact=redemption.code)
    assert made.value == Decimal("0.1")


def test_a_catalog_entry_reward_code_is_created_in_devshop(shop, dev_shop):
    reward = RewardFactory(shop=shop, name="Welcome to Gold: $10 off", amount=Decimal("10.00"))
    configure(shop, tier("Gold", 1, "100", basis="points", entry_reward_id=reward.pk))
    (member,) = members(shop, dev_shop, [150])

    member_tiers_evaluate(shop=shop, member_ids=[member.pk])
    member_tiers_evaluate(shop=shop, member_ids=[member.pk])
    redemption = Redemption.objects.get(member=member)
    issue([redemption.pk])

    redemption.refresh_from_db()
    assert redemption.status == "issued"
    made = DevDiscountCode.objects.get(shop=dev_shop, code__iexact=redemption.code)
    assert made.value == Decimal("10.00")
    member.refresh_from_db()
    assert member.balance == 150


def test_perk_periods_follow_the_shops_calendar():
    # 1 January 02:00 UTC is still 31 December in New York: December's code, ending at midnight
    # there.
    at = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    label, end = perk_period(every="month", timezone_name="America/New_York", now=at)
    assert label == "2026-12"
    assert end.isoformat() == "2027-01-01T00:00:00-05:00"
    label, end = perk_period(every="quarter", timezone_name="Europe/Paris", now=at)
    assert (label, end.isoformat()) == ("2027-Q1", "2027-04-01T00:00:00+02:00")


def test_the_perk_job_is_on_the_beat_schedule():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "loyalty.vip.tasks.tier_perks_issue_all" in tasks
