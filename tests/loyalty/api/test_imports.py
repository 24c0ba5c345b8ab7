"""The admin's CSV import: upload (a dry run in the worker), poll the batch for progress and its
per-row diff, confirm (the same file for real, once)."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from loyalty.models import ImportBatch, PointsTransaction
from tests.factories import CustomerFactory
from tests.loyalty.api.conftest import AdminClient, bearer

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

SMILE = (
    "Email,Points Balance,VIP Tier\n"
    "ada@example.com,120,Gold\n"
    "nobody@example.com,5,\n"  # not a customer of the shop
    "bob@example.com,abc,\n"  # not a number
)


def _upload(admin: AdminClient, content: bytes, **fields):
    data = {"file": SimpleUploadedFile("smile.csv", content, "text/csv"), **fields}
    return admin.client.post("/api/admin/imports", data, headers=bearer(admin.shop.domain))


def _finished(admin: AdminClient, batch_id: str) -> dict:
    for _ in range(400):
        body = admin.get(f"/api/admin/imports/{batch_id}").json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"import {batch_id} did not finish: {body}")


def test_a_checked_file_shows_its_diff_and_errors_then_confirm_writes_it_once(
    installed, celery_worker
):
    CustomerFactory(shop=installed, email="ada@example.com")
    CustomerFactory(shop=installed, email="bob@example.com")
    admin = AdminClient(installed)

    uploaded = _upload(admin, SMILE.encode(), format="smile")
    assert uploaded.status_code == 202, uploaded.json()
    assert (uploaded.json()["dry_run"], uploaded.json()["rows_total"]) == (True, 3)
    checked = _finished(admin, uploaded.json()["id"])

    assert (checked["status"], checked["rows_done"], checked["rows_changed"]) == ("done", 3, 1)
    assert checked["rows_failed"] == 2
    # Errors first, then the changes, each with its line.
    assert [(r["line"], r["status"]) for r in checked["report"]] == [
        (3, "error"),
        (4, "error"),
        (2, "changed"),
    ]
    assert checked["report"][2]["delta"] == 120
    assert not PointsTransaction.objects.filter(shop=installed).exists()  # a dry run writes none

    confirmed = admin.post(f"/api/admin/imports/{checked['id']}/confirm")
    again = admin.post(f"/api/admin/imports/{checked['id']}/confirm")

    assert confirmed.status_code == 202, confirmed.json()
    assert again.status_code == 409 and again.json()["code"] == "import_not_confirmable"
    done = _finished(admin, confirmed.json()["id"])
    assert (done["dry_run"], done["status"], done["rows_changed"]) == (False, "done", 1)
    ledger = PointsTransaction.objects.filter(shop=installed)
    assert ledger.aggregate(total=Sum("amount"))["total"] == 120
    assert ImportBatch.objects.filter(shop=installed, dry_run=False).count() == 1


@pytest.mark.parametrize(
    ("content", "fields", "field"),
    [
        (b"email\nada@example.com\n", {"format": "smile"}, None),  # no points column
        ("email,points\nadé@example.com,5\n".encode("latin-1"), {"format": "generic"}, None),
        (b"email,points\nada@example.com,5\n", {"format": "stamped"}, "format"),
        (b"email,points\nada@example.com,5\n", {}, "format"),
    ],
    ids=["missing-column", "not-utf8", "unknown-format", "no-format"],
)
def test_an_unusable_upload_answers_400_and_stores_nothing(installed, content, fields, field):
    response = _upload(AdminClient(installed), content, **fields)

    assert response.status_code == 400, response.json()
    if field:
        assert field in response.json()["extra"]["fields"]
    else:
        assert response.json()["code"] == "invalid_import"
    assert not ImportBatch.objects.filter(shop=installed).exists()


def test_a_real_run_cannot_be_confirmed(installed):
    from loyalty.services.imports import points_import

    batch = points_import(shop=installed, content="email,points\nx@example.com,1\n", dry_run=False)

    response = AdminClient(installed).post(f"/api/admin/imports/{batch.pk}/confirm")

    assert response.status_code == 409
    assert ImportBatch.objects.filter(shop=installed).count() == 1
