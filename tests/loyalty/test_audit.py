"""The audit command finds injected drift and repairs it from the ledger."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from loyalty.models import LotAllocation, Member, PointsLot
from loyalty.services.redemption import reward_redeem
from tests.factories import MemberFactory, RewardFactory
from tests.loyalty.conftest import assert_consistent, credit


def audit(*args: str) -> str:
    out = StringIO()
    call_command("loyalty_audit", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def members(shop):
    first, second = MemberFactory(shop=shop), MemberFactory(shop=shop)
    for m in (first, second):
        credit(m, 300, f"a{m.pk}")
        credit(m, 500, f"b{m.pk}")
        reward_redeem(member=m, reward=RewardFactory(shop=shop, points_cost=400))
    return first, second


def test_a_consistent_ledger_passes(members):
    assert "ledger consistent" in audit()


def test_balance_drift_is_found_and_repaired(members):
    first, second = members
    Member.objects.filter(pk=first.pk).update(balance=5000)  # a bad manual edit

    with pytest.raises(CommandError):
        audit()
    out = audit("--repair")

    assert f"DRIFT member {first.pk}" in out
    assert f"member {second.pk}" not in out
    first.refresh_from_db()
    assert first.balance == 400
    assert_consistent(first, second)


def test_lot_drift_is_rebuilt_by_replaying_the_ledger(members):
    first, _ = members
    LotAllocation.objects.filter(lot__member=first).delete()
    PointsLot.objects.filter(member=first).update(remaining=1)
    Member.objects.filter(pk=first.pk).update(pending=7)

    audit("--repair")

    lots = {lot.entry.idempotency_key: lot.remaining for lot in first.lots.all()}
    assert lots == {f"a{first.pk}": 0, f"b{first.pk}": 400}  # FIFO replayed: 400 from a, then b
    assert_consistent(first)


def test_the_audit_is_scoped_to_a_shop(members, other_shop):
    outsider = MemberFactory(shop=other_shop)
    credit(outsider, 10, "x")
    Member.objects.filter(pk=outsider.pk).update(balance=11)

    assert "ledger consistent" in audit("--shop", members[0].shop.domain)
