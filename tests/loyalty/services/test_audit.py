"""``ledger_audit``: each kind of drift is found, for the audited members only, in one query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loyalty.models import LotAllocation, Member, PointsLot
from loyalty.services.audit import ledger_audit
from loyalty.services.ledger import entry_write, member_lock
from loyalty.services.redemption import reward_redeem
from tests.factories import MemberFactory, RewardFactory
from tests.loyalty.conftest import credit


def _pending(member: Member, points: int, key: str) -> None:
    with transaction.atomic():
        entry_write(
            member=member_lock(member_id=member.pk),
            amount=points,
            kind="order",
            idempotency_key=key,
            pending_until=timezone.now() + timedelta(days=3),
        )


@pytest.fixture
def members(shop):
    """Three members with credits, a redemption (allocations) and a pending entry."""
    made = []
    for n in range(3):
        member = MemberFactory(shop=shop)
        credit(member, 300, f"a{n}")
        credit(member, 500, f"b{n}")
        _pending(member, 40, f"p{n}")
        reward_redeem(member=member, reward=RewardFactory(shop=shop, points_cost=400))
        made.append(member)
    return made


def _drifted(shop) -> dict[int, tuple[int, int, int, int, int, int]]:
    return {
        d.member_id: (d.balance, d.posted, d.pending, d.pending_sum, d.lots_remaining, d.bad_lots)
        for d in ledger_audit(shop_id=shop.pk)
    }


def test_a_consistent_ledger_has_no_drift(shop, members):
    assert ledger_audit(shop_id=shop.pk) == []
    assert ledger_audit() == []
    assert ledger_audit(member_ids=[m.pk for m in members]) == []


def test_a_balance_off_the_posted_entries_is_found(shop, members):
    Member.objects.filter(pk=members[1].pk).update(balance=401)

    assert _drifted(shop) == {members[1].pk: (401, 400, 40, 40, 400, 0)}


def test_pending_off_the_pending_entries_is_found(shop, members):
    Member.objects.filter(pk=members[0].pk).update(pending=0)

    assert _drifted(shop) == {members[0].pk: (400, 400, 0, 40, 400, 0)}


def test_lot_remainders_off_the_balance_are_found(shop, members):
    # The lot and its allocations agree (remaining = amount - allocated) but the lots no longer
    # add up to the balance: a lot lost.
    lot = PointsLot.objects.filter(member=members[2], remaining__gt=0).get()
    LotAllocation.objects.filter(lot=lot).delete()
    PointsLot.objects.filter(pk=lot.pk).delete()

    assert _drifted(shop) == {members[2].pk: (400, 400, 40, 40, 0, 0)}


def test_lots_off_their_allocations_are_found_even_when_the_total_agrees(shop, members):
    # 1 point moved from one lot's remainder to another's: the total still equals the balance,
    # but both lots disagree with their allocations.
    first, second = PointsLot.objects.filter(member=members[0]).order_by("pk")
    PointsLot.objects.filter(pk=first.pk).update(remaining=first.remaining + 1)
    PointsLot.objects.filter(pk=second.pk).update(remaining=second.remaining - 1)

    assert _drifted(shop) == {members[0].pk: (400, 400, 40, 40, 400, 2)}


def test_a_member_without_entries_is_consistent_until_their_cache_moves(shop, members):
    empty = MemberFactory(shop=shop)
    assert _drifted(shop) == {}

    Member.objects.filter(pk=empty.pk).update(balance=5)

    assert _drifted(shop) == {empty.pk: (5, 0, 0, 0, 0, 0)}


def test_the_scope_is_the_shop_and_the_members_asked_for(shop, other_shop, members):
    outsider = MemberFactory(shop=other_shop)
    credit(outsider, 10, "x")
    Member.objects.filter(pk__in=[outsider.pk, members[0].pk]).update(balance=11)

    assert [d.member_id for d in ledger_audit(shop_id=shop.pk)] == [members[0].pk]
    assert [d.member_id for d in ledger_audit(member_ids=[outsider.pk])] == [outsider.pk]
    assert [d.member_id for d in ledger_audit(member_ids=[members[1].pk])] == []
    assert [d.member_id for d in ledger_audit()] == sorted([members[0].pk, outsider.pk])


def test_the_audit_is_one_query_whatever_the_number_of_members(shop, members):
    with CaptureQueriesContext(connection) as few:
        ledger_audit(shop_id=shop.pk)
    for n in range(10):
        credit(MemberFactory(shop=shop), 10, f"more{n}")
    with CaptureQueriesContext(connection) as many:
        ledger_audit(shop_id=shop.pk)

    assert len(few) == len(many) == 1
