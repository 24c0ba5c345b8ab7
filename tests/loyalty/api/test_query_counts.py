"""The admin's lists and the profile read in a fixed number of queries, whatever the number of
rows (no query per row): counted with few rows and with more, and pinned."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loyalty.services.program import program_settings_get
from tests.factories import EarningRuleFactory, MemberFactory, RewardFactory
from tests.loyalty.conftest import credit

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def _queries(admin, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert admin.get(path).status_code == 200
    return len(captured)


def _grow(kind, shop, n):
    if kind == "members":
        for _ in range(n):
            member = MemberFactory(shop=shop)
            credit(member, 10, f"seed:{member.pk}")
    elif kind == "earning-rules":
        EarningRuleFactory.create_batch(n, shop=shop)
    else:
        RewardFactory.create_batch(n, shop=shop)


@pytest.mark.parametrize(("kind", "pinned"), [("members", 3), ("earning-rules", 3), ("rewards", 3)])
def test_a_list_page_costs_the_same_for_2_or_8_rows(admin, installed, kind, pinned):
    _grow(kind, installed, 2)
    few = _queries(admin, f"/api/admin/{kind}")
    _grow(kind, installed, 6)
    many = _queries(admin, f"/api/admin/{kind}")

    assert few == many == pinned


def test_the_profile_costs_the_same_for_1_or_6_entries(admin, installed):
    program_settings_get(shop_id=installed.pk)  # created on first use: not part of the count
    member = MemberFactory(shop=installed)
    credit(member, 10, "a")
    few = _queries(admin, f"/api/admin/members/{member.pk}")
    for n in range(5):
        credit(member, 10, f"more:{n}")
    admin.post(
        f"/api/admin/members/{member.pk}/adjustments",
        {"points": -35, "reason": "spread over lots"},
        headers={"Idempotency-Key": "k"},
    )
    many = _queries(admin, f"/api/admin/members/{member.pk}")

    # 9 for the points profile, plus the VIP tier (with its tier) and the tier history.
    assert few == many == 11
