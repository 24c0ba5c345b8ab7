"""Importing balances from CSV: dry run, per-row errors, no doubling, other apps' layouts; in
a task with progress, at a cost in queries that does not grow with the file."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from loyalty.exceptions import InvalidImport
from loyalty.models import ImportBatch, Member, PointsTransaction
from loyalty.services.imports import (
    import_batch_create,
    import_batch_run,
    points_import,
    points_import_enqueue,
)
from loyalty.services.program import program_settings_get, program_settings_update
from loyalty.services.redemption import reward_redeem
from tests.factories import CustomerFactory, MemberFactory, RewardFactory
from tests.loyalty.conftest import assert_consistent, credit


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


def test_an_email_matches_whatever_its_case_and_the_lower_case_customer_wins(shop):
    upper = CustomerFactory(shop=shop, email="Ada@Example.com")
    lower = CustomerFactory(shop=shop, email="ada@example.com")

    points_import(shop=shop, content="email,points\nADA@example.COM,10\n", dry_run=False)

    assert Member.objects.get().customer == lower
    assert not Member.objects.filter(customer=upper).exists()


def test_a_deleted_customer_is_not_matched(shop):
    from django.utils import timezone

    CustomerFactory(shop=shop, email="gone@example.com", deleted_at=timezone.now())

    batch = points_import(shop=shop, content="email,points\ngone@example.com,10\n", dry_run=False)

    assert batch.report[0]["status"] == "error"
    assert not Member.objects.exists()


def test_a_customer_the_import_would_enrol_excluded_is_a_row_error(shop):
    program_settings_update(shop_id=shop.pk, exclusion_tag="no-rewards")
    CustomerFactory(shop=shop, email="vip@example.com", tags=["No-Rewards"])
    content = "email,points\nvip@example.com,10\n"

    dry = points_import(shop=shop, content=content, dry_run=True)
    real = points_import(shop=shop, content=content, dry_run=False)

    assert [r["error"] for r in dry.report] == [r["error"] for r in real.report]
    assert real.report[0]["error"] == "member is excluded"
    assert not PointsTransaction.objects.exists()


def _file(customers) -> str:
    rows = "".join(
        f"{c.email.upper()},{100 + i},Gold,1990-01-{i % 28 + 1:02d}\n"
        for i, c in enumerate(customers)
    )
    return "email,points,tier,birthday\n" + rows


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "import"])
@pytest.mark.parametrize("members_exist", [True, False], ids=["members", "new-members"])
def test_the_queries_of_an_import_do_not_grow_with_its_rows(shop, dry_run, members_exist):
    program_settings_get(shop_id=shop.pk)  # created on first use: not part of an import
    counts = []
    for size in (3, 30):
        customers = [CustomerFactory(shop=shop) for _ in range(size)]
        for c in customers if members_exist else ():
            credit(MemberFactory(shop=shop, customer=c), 50, f"seed:{c.pk}")
        with CaptureQueriesContext(connection) as queries:
            batch = points_import(shop=shop, content=_file(customers), dry_run=dry_run)
        assert (batch.rows_total, batch.rows_changed) == (size, size)
        counts.append(len(queries))

    # Structural, not a timing: ten times the rows, exactly as many statements.
    assert counts[0] == counts[1]
    if not dry_run:
        members = Member.objects.filter(shop=shop)
        assert members.count() == 33
        assert {m.imported_tier for m in members} == {"Gold"}
        assert_consistent(*members)


@pytest.mark.django_db(transaction=True)
def test_progress_is_committed_chunk_by_chunk_for_a_poller_to_read(shop):
    customers = [CustomerFactory(shop=shop) for _ in range(5)]
    members = [MemberFactory(shop=shop, customer=c) for c in customers]
    batch = import_batch_create(shop=shop, content=_file(customers), dry_run=False)
    assert (batch.status, batch.rows_done, batch.rows_total) == ("queued", 0, 5)
    locked, release = threading.Event(), threading.Event()

    def hold_the_third_member() -> None:  # a shopper redeeming, say, holds the member's lock
        try:
            with transaction.atomic():
                Member.objects.select_for_update().get(pk=members[2].pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    def run() -> None:
        try:
            import_batch_run(batch_id=batch.pk, chunk_rows=2)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_third_member)
    holder.start()
    assert locked.wait(10)
    worker = threading.Thread(target=run)
    worker.start()
    try:
        for _ in range(200):  # the first chunk commits; the second waits for the lock
            batch.refresh_from_db()
            if batch.rows_done:
                break
            time.sleep(0.05)
        assert (batch.status, batch.rows_done, batch.rows_changed) == ("running", 2, 2)
        assert [
            m.balance for m in Member.objects.filter(pk__in=[m.pk for m in members]).order_by("pk")
        ] == [100, 101, 0, 0, 0]
    finally:
        release.set()
        holder.join()
        worker.join()

    batch.refresh_from_db()
    assert (batch.status, batch.rows_done, batch.rows_changed, batch.content) == ("done", 5, 5, "")
    assert [r["line"] for r in batch.report] == [2, 3, 4, 5, 6]


def test_a_finished_batch_is_not_run_again(shop, customers):
    batch = points_import(shop=shop, content="email,points\nada@example.com,5\n", dry_run=False)

    again = import_batch_run(batch_id=batch.pk)

    assert (again.status, again.rows_done, again.report) == ("done", 1, batch.report)
    assert PointsTransaction.objects.filter(kind="import").count() == 1


def test_a_batch_whose_file_cannot_be_read_ends_failed_with_the_error(shop):
    batch = import_batch_create(shop=shop, content="email,points\nx@y.z,1\n", dry_run=False)
    ImportBatch.objects.filter(pk=batch.pk).update(content="")  # lost, say

    with pytest.raises(InvalidImport):
        import_batch_run(batch_id=batch.pk)

    batch.refresh_from_db()
    assert (batch.status, batch.error, batch.rows_done) == ("failed", "The file is empty.", 0)
    assert import_batch_run(batch_id=batch.pk).status == "failed"  # not run again


def test_the_import_task_runs_the_batch_in_the_worker(shop, celery_worker):
    CustomerFactory(shop=shop, email="ada@example.com")
    with transaction.atomic():
        batch = points_import_enqueue(
            shop=shop,
            content="email,points\nada@example.com,70\nnobody@example.com,1\n",
            dry_run=False,
        )
        assert batch.status == "queued"  # the worker gets it once committed

    for _ in range(200):
        batch.refresh_from_db()
        if batch.status in ("done", "failed"):
            break
        time.sleep(0.05)

    assert (batch.status, batch.rows_done, batch.rows_total, batch.rows_failed) == ("done", 2, 2, 1)
    assert Member.objects.get(shop=shop).balance == 70
