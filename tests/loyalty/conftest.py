"""Helpers for the points program's tests: members with points, and the invariant check."""

from __future__ import annotations

import pytest

from loyalty.models import Member
from loyalty.services.audit import ledger_audit
from loyalty.services.ledger import entry_write, member_lock
from tests.factories import MemberFactory


def credit(member: Member, points: int, key: str, **kwargs) -> None:
    """Give a member posted points through the ledger (a test shortcut for earning)."""
    from django.db import transaction

    with transaction.atomic():
        locked = member_lock(member_id=member.pk)
        entry_write(member=locked, amount=points, kind="adjustment", idempotency_key=key, **kwargs)
    member.refresh_from_db()


def assert_consistent(*members: Member) -> None:
    """The ledger invariants hold for these members (balance, pending, lots, allocations)."""
    drift = ledger_audit(member_ids=[m.pk for m in members])
    assert drift == [], [d.describe() for d in drift]


@pytest.fixture
def member(shop):
    return MemberFactory(shop=shop)
