"""The merchant carries balances over from Smile.io on the Import page, with a bad row in the
file: upload, the worker's dry run with its per-row diff (the bad row's error shown, nothing
written), confirm, and the good rows imported while the bad one is not. Each state is shot and
checked by axe."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.admin import assert_admin_accessible, open_admin, toast
from tests.e2e.conftest import shoot, wait_until


def test_the_merchant_imports_a_smile_csv_with_a_bad_row(
    stack, shop, page, member_factory, db_access
):
    from loyalty.models import ImportBatch, Member, PointsTransaction

    ann, bob, cat = (member_factory(first_name=name) for name in ("Ann", "Bob", "Cat"))
    email = {s.first_name: s.member.customer.email for s in (ann, bob, cat)}
    csv = (
        "email,points_balance\n"
        f"{email['Ann']},1200\n"
        f"{email['Cat']},lots\n"  # the bad row: line 3
        f"{email['Bob']},800\n"
    )

    app = open_admin(page, stack)
    page.get_by_role("list", name="Loyalty").get_by_role("link", name="Import", exact=True).click()
    expect(app.get_by_role("heading", name="Import points", level=1)).to_be_visible()
    expect(app.get_by_label("The file comes from")).to_have_value("smile")
    app.locator('input[type="file"]').set_input_files(
        {"name": "smile-export.csv", "mimeType": "text/csv", "buffer": csv.encode()}
    )
    expect(app.get_by_text("smile-export.csv")).to_be_visible()
    shoot(page, "import-01-file-chosen")
    assert_admin_accessible(page)

    app.get_by_role("button", name="Check the file").click()
    check = app.get_by_role("heading", name="Check (nothing is written yet)")
    expect(check).to_be_visible()
    # The worker's dry run: the per-row diff, the bad row's error among them.
    expect(app.get_by_text("3 of 3 rows: 2 to change, 0 unchanged, 1 with errors")).to_be_visible(
        timeout=30_000
    )
    bad = app.get_by_role("row", name=re.compile(r"^3 "))
    expect(bad).to_contain_text(email["Cat"])
    expect(bad).to_contain_text("Error")
    expect(bad).to_contain_text("points 'lots' is not a whole number")
    expect(app.get_by_role("row", name=re.compile(r"^2 "))).to_contain_text("+1200")
    expect(app.get_by_role("row", name=re.compile(r"^4 "))).to_contain_text("+800")
    shoot(page, "import-02-dry-run")
    assert_admin_accessible(page)
    assert not PointsTransaction.objects.filter(shop=shop, kind="import").exists(), "a dry run"

    app.get_by_role("button", name="Import 2 balances").click()
    toast(page, "Import started")
    run = app.get_by_role("heading", name="Import", exact=True)
    expect(run).to_be_visible()
    card = run.locator("xpath=../..")  # the heading's row, in the card's stack
    expect(card.get_by_text("3 of 3 rows: 2 to change, 0 unchanged, 1 with errors")).to_be_visible(
        timeout=30_000
    )
    expect(card.get_by_text("done", exact=True)).to_be_visible()
    card.get_by_role("row").last.scroll_into_view_if_needed()  # the run's own diff, in view
    shoot(page, "import-03-imported")
    assert_admin_accessible(page)

    batch = wait_until(
        lambda: ImportBatch.objects.filter(shop=shop, dry_run=False, status="done").first(),
        what="the confirmed import to finish",
    )
    assert (batch.rows_changed, batch.rows_failed) == (2, 1)
    balances = {s.first_name: Member.objects.get(pk=s.member.pk).balance for s in (ann, bob, cat)}
    assert balances == {"Ann": 1200, "Bob": 800, "Cat": 0}
    imported = PointsTransaction.objects.filter(shop=shop, kind="import")
    assert sorted(e.amount for e in imported.filter(member__in=[ann.member, bob.member])) == [
        800,
        1200,
    ]
    assert not imported.filter(member=cat.member).exists()
