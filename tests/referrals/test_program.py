"""Program settings, member codes and the stats selectors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from referrals.exceptions import InvalidProgramSettings
from referrals.selectors import program_stats, referrer_stats
from referrals.services.program import (
    referral_code_for_member,
    referral_link_visit,
    referral_program_get,
    referral_program_update,
)
from tests.factories import MemberFactory
from tests.referrals.conftest import claim, friend_order

pytestmark = pytest.mark.django_db


def test_the_default_program_is_1000_points_and_10_percent_off(shop):
    program = referral_program_get(shop_id=shop.pk)

    assert (program.referrer_points, program.offer_kind, program.offer_value) == (
        1000,
        "percent",
        Decimal("10"),
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"offer_value": Decimal("0")},
        {"offer_value": Decimal("101")},
        {"offer_kind": "fixed", "offer_value": Decimal("0")},
        {"offer_kind": "bogus"},
        {"referrer_points": 0},
        {"shop_id": 99},
    ],
)
def test_invalid_settings_are_refused_and_nothing_changes(shop, changes):
    with pytest.raises(InvalidProgramSettings):
        referral_program_update(shop_id=shop.pk, changes=changes)

    program = referral_program_get(shop_id=shop.pk)
    assert (program.offer_kind, program.offer_value, program.referrer_points) == (
        "percent",
        Decimal("10"),
        1000,
    )


def test_a_members_code_is_made_once_and_is_random(shop):
    member, other = MemberFactory(shop=shop), MemberFactory(shop=shop)

    code = referral_code_for_member(member=member)

    assert referral_code_for_member(member=member).code == code.code
    assert referral_code_for_member(member=other).code != code.code
    assert len(code.code) == 10 and code.code.isalnum() and code.code.isupper()


def test_stats_per_referrer_and_program(store, program, ada_member, ada_code, other_shop):
    referral_link_visit(shop_id=store.shop.pk, code=ada_code.code)
    referral_link_visit(shop_id=store.shop.pk, code=ada_code.code.lower())
    claim(store, ada_code, "bob@example.com")
    claim(store, ada_code, "carol@example.com")
    claim(store, ada_code, "adalovelace+x@gmail.com")  # rejected
    store.paid(friend_order(store, store.customer(email="bob@example.com")))

    mine = referrer_stats(member=ada_member)
    shop_wide = program_stats(shop_id=store.shop.pk)

    expected = {"invited": 2, "claimed": 3, "completed": 1, "rejected": 1, "held": 0}
    assert {k: mine[k] for k in expected} == expected
    assert {k: shop_wide[k] for k in expected} == expected
    assert mine["revenue"] == shop_wide["revenue"] == Decimal("100.00")
    assert (mine["points_pending"], mine["points_earned"]) == (1000, 0)
    friends = {r["friend"]: (r["status"], r["reward_status"]) for r in mine["referrals"]}
    assert friends["b**@example.com"] == ("completed", "pending")
    assert "bob@example.com" not in friends
    assert program_stats(shop_id=other_shop.pk)["claimed"] == 0
