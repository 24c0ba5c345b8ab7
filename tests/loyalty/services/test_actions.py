"""Action rules: signup, birthday (yearly, shop timezone), social follow, reviews, custom actions
and their limits; enrolment and exclusion by tag."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from loyalty.exceptions import (
    MemberExcluded,
    RuleLimitReached,
    RuleUnavailable,
)
from loyalty.models import Member, PointsTransaction
from loyalty.services.birthdays import birthday_points_award_due, birthday_set
from loyalty.services.earning import (
    custom_action_award,
    review_points_award,
    social_follow_award,
)
from loyalty.services.members import (
    member_enrol,
    member_exclude,
    member_exclusion_sync,
)
from loyalty.services.program import program_settings_update
from tests.factories import CustomerFactory, EarningRuleFactory, MemberFactory
from tests.loyalty.shopify import Store


def test_a_customer_who_creates_an_account_joins_and_gets_the_signup_points(shop):
    EarningRuleFactory(shop=shop, kind="signup", handle="", points=200)
    store = Store(shop)
    customer = store.customer()

    store.customer_created(customer)
    store.customer_created(customer, topic="customers/update")

    member = Member.objects.get(shop=shop, customer__shopify_id=customer.id)
    assert member.balance == 200
    assert PointsTransaction.objects.filter(member=member, kind="action").count() == 1


def test_guest_customers_are_not_enrolled_until_they_have_an_account(shop):
    store = Store(shop)
    guest = store.customer(state="disabled")

    store.customer_created(guest)

    assert not Member.objects.exists()


def test_the_exclusion_tag_excludes_and_removing_it_includes_again(shop):
    program_settings_update(shop_id=shop.pk, exclusion_tag="staff")
    customer = CustomerFactory(shop=shop, tags=["Staff"])
    member = member_enrol(customer=customer)
    assert member.state == "excluded"

    customer.tags = []
    customer.save()
    member = member_exclusion_sync(customer=customer)

    assert (member.state, member.excluded_reason) == ("active", "")


def test_staff_exclusion_is_not_undone_by_tags(shop):
    program_settings_update(shop_id=shop.pk, exclusion_tag="staff")
    member = MemberFactory(shop=shop)
    member_exclude(member=member, reason="fraud")

    synced = member_exclusion_sync(customer=member.customer)

    assert synced is not None
    assert (synced.state, synced.excluded_reason) == ("excluded", "fraud")


def test_birthday_points_once_a_year_on_the_day_in_the_shops_timezone(shop):
    # Shop in New York; 03:30 UTC on 15 March is still 14 March there.
    EarningRuleFactory(shop=shop, kind="birthday", handle="", points=300, limit="once_per_year")
    member = MemberFactory(shop=shop)
    birthday_set(member=member, birthday=date(1990, 3, 15))

    assert birthday_points_award_due(now=datetime(2027, 3, 15, 3, 30, tzinfo=UTC)) == 0
    assert birthday_points_award_due(now=datetime(2027, 3, 15, 14, 0, tzinfo=UTC)) == 1
    assert birthday_points_award_due(now=datetime(2027, 3, 15, 20, 0, tzinfo=UTC)) == 0
    assert birthday_points_award_due(now=datetime(2028, 3, 15, 14, 0, tzinfo=UTC)) == 1

    member.refresh_from_db()
    assert member.balance == 600


def test_a_29_february_birthday_is_celebrated_on_28_february_in_other_years(shop):
    EarningRuleFactory(shop=shop, kind="birthday", handle="", points=300, limit="once_per_year")
    member = MemberFactory(shop=shop, birthday=date(2000, 2, 29))

    assert birthday_points_award_due(now=datetime(2027, 2, 28, 17, 0, tzinfo=UTC)) == 1
    member.refresh_from_db()
    assert member.balance == 300


def test_social_follow_points_once_per_network(shop):
    EarningRuleFactory(shop=shop, kind="social_follow", network="instagram", handle="", points=25)
    member = MemberFactory(shop=shop)

    first = social_follow_award(member=member, network="instagram")
    again = social_follow_award(member=member, network="instagram")

    assert first.pk == again.pk
    with pytest.raises(RuleUnavailable):
        social_follow_award(member=member, network="tiktok")
    member.refresh_from_db()
    assert member.balance == 25


def test_review_points_are_idempotent_per_review_and_limited_per_period(shop):
    EarningRuleFactory(
        shop=shop,
        kind="product_review",
        handle="",
        points=10,
        limit="per_period",
        limit_count=2,
        limit_period_days=30,
    )
    member = MemberFactory(shop=shop)
    now = datetime(2027, 1, 1, tzinfo=UTC)

    review_points_award(member=member, review_id="r1", now=now)
    review_points_award(member=member, review_id="r1", now=now)  # the review app retried
    review_points_award(member=member, review_id="r2", now=now)
    with pytest.raises(RuleLimitReached):
        review_points_award(member=member, review_id="r3", now=now)

    member.refresh_from_db()
    assert member.balance == 20


def test_custom_actions_and_excluded_members(shop):
    EarningRuleFactory(shop=shop, kind="custom", handle="newsletter", points=15, limit="unlimited")
    member = MemberFactory(shop=shop)

    custom_action_award(member=member, handle="newsletter", event_id="e1")
    custom_action_award(member=member, handle="newsletter", event_id="e2")
    member_exclude(member=member, reason="staff")
    with pytest.raises(MemberExcluded):
        custom_action_award(member=member, handle="newsletter", event_id="e3")

    member.refresh_from_db()
    assert member.balance == 30


def test_rules_of_another_shop_are_not_used(shop, other_shop):
    EarningRuleFactory(shop=other_shop, kind="custom", handle="newsletter", points=15)
    member = MemberFactory(shop=shop)

    with pytest.raises(RuleUnavailable):
        custom_action_award(member=member, handle="newsletter", event_id="e1")


def test_action_points_count_as_activity(shop):
    EarningRuleFactory(shop=shop, kind="custom", handle="quiz", points=5)
    member = MemberFactory(shop=shop, last_activity_at=datetime(2026, 1, 1, tzinfo=UTC))
    later = datetime(2026, 6, 1, tzinfo=UTC)

    custom_action_award(member=member, handle="quiz", event_id="e", now=later)

    member.refresh_from_db()
    assert member.last_activity_at == later
    assert member.lifetime_earned == 5
