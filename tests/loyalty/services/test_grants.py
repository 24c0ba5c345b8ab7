"""Grants: points another app awards under its own key, held and voidable within the hold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from loyalty.exceptions import InvalidPointsAmount, MemberExcluded
from loyalty.services.grants import points_grant, points_grant_void
from loyalty.services.ledger import points_post_due
from loyalty.services.members import member_exclude
from tests.loyalty.conftest import assert_consistent


def grant(member, *, key="referral:1:reward", hold_until=None, now=None, kind="referral"):
    return points_grant(
        member=member, points=1000, kind=kind, idempotency_key=key,
        source_type="referral", source_id="1", hold_until=hold_until, now=now,
    )  # fmt: skip


def test_a_held_grant_is_pending_then_posts_and_is_given_once(member):
    now = timezone.now()
    first = grant(member, hold_until=now + timedelta(days=14), now=now)
    again = grant(member, hold_until=now + timedelta(days=14), now=now)

    member.refresh_from_db()
    assert again.pk == first.pk
    assert (member.balance, member.pending) == (0, 1000)
    assert points_post_due(now=now + timedelta(days=15)) == 1
    member.refresh_from_db()
    assert (member.balance, member.pending) == (1000, 0)
    assert_consistent(member)


def test_a_held_grant_is_voided_within_its_hold_only(member):
    now = timezone.now()
    grant(member, key="a", hold_until=now + timedelta(days=14), now=now)
    grant(member, key="b", hold_until=now + timedelta(days=14), now=now)

    assert points_grant_void(shop_id=member.shop_id, idempotency_key="a", now=now) is True
    assert points_grant_void(shop_id=member.shop_id, idempotency_key="a", now=now) is False
    after_hold = now + timedelta(days=14, seconds=1)
    assert points_grant_void(shop_id=member.shop_id, idempotency_key="b", now=after_hold) is False
    member.refresh_from_db()
    assert (member.balance, member.pending) == (0, 1000)
    assert_consistent(member)


def test_a_grant_without_a_hold_posts_at_once_and_cannot_be_voided(member):
    grant(member)

    assert points_grant_void(shop_id=member.shop_id, idempotency_key="referral:1:reward") is False
    member.refresh_from_db()
    assert member.balance == 1000


def test_only_grant_kinds_and_active_members(member):
    with pytest.raises(InvalidPointsAmount):
        grant(member, kind="adjustment")
    member_exclude(member=member, reason="staff")
    with pytest.raises(MemberExcluded):
        grant(member)
