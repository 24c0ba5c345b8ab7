"""The tier as a Shopify customer tag (through devshop), staff-assigned invitation-only tiers,
and the earning multiplier they bring."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from celery.exceptions import Retry

from devshop.models import DevCustomer
from loyalty.exceptions import TierUnavailable
from loyalty.models import PointsTransaction
from loyalty.vip import tasks
from loyalty.vip.models import TierChange
from loyalty.vip.services import member_tier_assign, member_tiers_evaluate
from loyalty.vip.tags import member_tags_sync
from shopify_app import admin_api
from shopify_app.exceptions import ShopifyRetriableError
from tests.callbacks import work
from tests.loyalty.conftest import credit, devshop_connect, devshop_member
from tests.loyalty.vip.conftest import configure, tier, tier_of


@pytest.fixture
def dev_shop(shop, inprocess_http):
    return devshop_connect(shop)


def dev_tags(member) -> list[str]:
    return DevCustomer.objects.get(id=member.customer.shopify_id).tags


def club(shop):
    return configure(
        shop,
        tier("Silver", 1, "100", basis="points", customer_tag="VIP Silver"),
        tier("Gold", 2, "500", basis="points", customer_tag="VIP Gold"),
        tier("Black", 3, "0", invitation_only=True, customer_tag="VIP Black", entry_points=1000,
             multiplier=Decimal(3)),
    )  # fmt: skip


def test_a_tier_change_enqueues_the_tag_sync_after_commit(
    shop, member, django_capture_on_commit_callbacks
):
    club(shop)
    credit(member, 150, "seed")

    with django_capture_on_commit_callbacks() as callbacks:
        member_tiers_evaluate(shop=shop, member_ids=[member.pk])
    again = member_tiers_evaluate(shop=shop, member_ids=[member.pk])

    assert len(work(callbacks)) == 1  # one member changed tier
    assert again == []  # nothing changed: nothing enqueued


def test_the_customer_carries_the_current_tiers_tag_only(shop, dev_shop):
    member = devshop_member(shop, dev_shop)
    DevCustomer.objects.filter(id=member.customer.shopify_id).update(tags=["newsletter"])
    club(shop)
    credit(member, 150, "seed")
    member_tiers_evaluate(shop=shop, member_ids=[member.pk])
    member_tags_sync(member_id=member.pk)
    assert dev_tags(member) == ["newsletter", "VIP Silver"]

    credit(member, 400, "more")
    member_tiers_evaluate(shop=shop, member_ids=[member.pk])
    member_tags_sync(member_id=member.pk)
    member_tags_sync(member_id=member.pk)  # a retry after a lost answer: same end state

    assert dev_tags(member) == ["newsletter", "VIP Gold"]


def test_the_tag_task_retries_a_retriable_error(shop, member):
    club(shop)
    credit(member, 150, "seed")
    member_tiers_evaluate(shop=shop, member_ids=[member.pk])

    with (
        mock.patch.object(
            admin_api, "mutate", autospec=True, side_effect=ShopifyRetriableError("502", status=502)
        ),
        pytest.raises(Retry),
    ):
        tasks.vip_customer_tags_sync.apply(kwargs={"member_ids": [member.pk]}, throw=True)


def test_staff_assign_an_invitation_only_tier_that_evaluation_keeps(shop, member):
    tiers = club(shop)
    credit(member, 600, "seed")  # qualifies for Gold on points

    member_tier_assign(member=member, tier=tiers["Black"], by="staff-7")
    member_tier_assign(member=member, tier=tiers["Black"], by="staff-7")  # a repeat: no-op
    member_tiers_evaluate(shop=shop, member_ids=[member.pk])

    member.refresh_from_db()
    assert tier_of(member) == "Black"
    assert member.tier_multiplier == Decimal(3)
    bonus = PointsTransaction.objects.filter(member=member, kind="tier_bonus")
    assert list(bonus.values_list("amount", flat=True)) == [1000]
    assert [c.reason for c in TierChange.objects.filter(member=member)] == ["staff"]

    # Taken off the club: the member's own basis decides again.
    member_tier_assign(member=member, tier=None, by="staff-7")
    member.refresh_from_db()
    assert tier_of(member) == "Gold"
    assert member.tier_multiplier == Decimal(1)


def test_another_shops_tier_cannot_be_assigned(shop, other_shop, member):
    foreign = configure(other_shop, tier("Gold", 1, "0"))["Gold"]

    with pytest.raises(TierUnavailable):
        member_tier_assign(member=member, tier=foreign, by="staff-7")
    assert tier_of(member) is None


def test_the_data_request_exports_the_members_tier_and_its_history(shop, member):
    from loyalty.privacy import customer_loyalty_export

    club(shop)
    credit(member, 150, "seed")
    member_tiers_evaluate(shop=shop, member_ids=[member.pk])

    exported = customer_loyalty_export(
        shop=shop,
        customer_shopify_id=member.customer.shopify_id,
        email=None,
        order_shopify_ids=[],
    )

    assert exported["member"]["tier"]["name"] == "Silver"
    assert [(h["from"], h["to"], h["reason"]) for h in exported["tier_history"]] == [
        (None, "Silver", "qualified")
    ]
