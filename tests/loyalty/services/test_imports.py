"""Importing balances from CSV: dry run, per-row errors, no doubling, other apps' layouts."""

from __future__ import annotations

import pytest

from loyalty.exceptions import InvalidImport
from loyalty.models import ImportBatch, Member, PointsTransaction
from loyalty.services.imports import points_import
from loyalty.services.redemption import reward_redeem
from tests.factories import CustomerFactory, RewardFactory
from tests.loyalty.conftest import assert_consistent


@pytest.fixture
def customers(shop):
    return {
        "ada": CustomerFactory(shop=shop, email="ada@example.com"),
        "bob": CustomerFactory(shop=shop, email="Bob@Example.com"),
    }


CSV = (
    "Email,Points,Earned At,Tier,Birthday,Referral Code\n"
    "ada@example.com,1200,2025-06-01,Gold,1990-03-15,ADA10\n"
    "bob@example.com,300,,,,\n"
    "nobody@example.com,50,,,,\n"
    "not-an-email,10,,,,\n"
    "ada@example.com,99,,,,\n"
    "carol@example.com,twelve,,,,\n"
    "bob@example.com,-5,,,03-31,\n"
)


def test_a_dry_run_reports_the_diff_and_writes_no_points(shop, customers):
    batch = points_import(shop=shop, content=CSV, dry_run=True)

    assert (batch.rows_total, batch.rows_changed, batch.rows_failed) == (7, 2, 5)
    first = batch.report[0]
    assert (first["status"], first["current"], first["target"], first["delta"]) == (
        "changed",
        0,
        1200,
        1200,
    )
    assert not PointsTransaction.objects.exists()
    assert not Member.objects.exists()


def test_bad_rows_are_reported_and_good_rows_imported(shop, customers):
    batch = points_import(shop=shop, content=CSV, dry_run=False, created_by="staff:1")

    errors = {r["line"]: r["error"] for r in batch.report if r["status"] == "error"}
    assert set(errors) == {4, 5, 6, 7, 8}
    assert "no customer" in errors[4]
    assert "invalid email" in errors[5]
    assert "duplicate of line 2" in errors[6]
    assert "not a whole number" in errors[7]
    assert "between 0" in errors[8]
    ada = Member.objects.get(customer=customers["ada"])
    bob = Member.objects.get(customer=customers["bob"])
    assert (ada.balance, bob.balance) == (1200, 300)
    assert (ada.imported_tier, ada.imported_referral_code, str(ada.birthday)) == (
        "Gold",
        "ADA10",
        "1990-03-15",
    )
    assert ada.lots.get().earned_at.date().isoformat() == "2025-06-01"
    assert_consistent(ada, bob)


def test_re_importing_never_doubles_and_a_corrected_file_adjusts(shop, customers):
    points_import(shop=shop, content="email,points\nada@example.com,1000\n", dry_run=False)
    points_import(shop=shop, content="email,points\nada@example.com,1000\n", dry_run=False)
    ada = Member.objects.get(customer=customers["ada"])
    assert ada.balance == 1000

    reward_redeem(member=ada, reward=RewardFactory(shop=shop, points_cost=100))
    batch = points_import(shop=shop, content="email,points\nada@example.com,800\n", dry_run=False)
    ada.refresh_from_db()
    assert batch.report[0]["delta"] == -200
    assert ada.balance == 700  # 800 imported, 100 spent here

    points_import(shop=shop, content="email,points\nada@example.com,1000\n", dry_run=False)
    ada.refresh_from_db()
    assert ada.balance == 900
    assert_consistent(ada)


def test_smile_layout(shop, customers):
    content = (
        "email,points_balance,vip_tier,date_of_birth,referral_url\n"
        "ada@example.com,450,Silver,1004-05-27,http://i.refs.cc/9qr5Pw\n"
    )
    points_import(shop=shop, content=content, format="smile", dry_run=False)

    ada = Member.objects.get(customer=customers["ada"])
    assert (ada.balance, ada.imported_tier, ada.imported_referral_code) == (450, "Silver", "9qr5Pw")
    assert (ada.birthday.month, ada.birthday.day) == (5, 27)


def test_loyaltylion_layout_reads_approved_points_only(shop, customers):
    content = "Email,Points Approved,Points Pending,Tier\nada@example.com,320,80,Gold\n"

    points_import(shop=shop, content=content, format="loyaltylion", dry_run=False)

    assert Member.objects.get(customer=customers["ada"]).balance == 320


def test_an_unusable_file_is_refused_whole(shop):
    with pytest.raises(InvalidImport):
        points_import(shop=shop, content="", dry_run=True)
    with pytest.raises(InvalidImport):
        points_import(shop=shop, content="mail,score\nx@y.z,1\n", dry_run=True)
    assert not ImportBatch.objects.exists()


def test_customers_of_another_shop_are_not_matched(shop, other_shop):
    CustomerFactory(shop=other_shop, email="eve@example.com")

    batch = points_import(shop=shop, content="email,points\neve@example.com,10\n", dry_run=False)

    assert batch.rows_failed == 1
    assert not Member.objects.exists()
