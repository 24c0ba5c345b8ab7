"""Customers in the admin: the list, a profile explained lot by lot, adjustments, exclusion,
and the onboarding's enrolment of existing customers."""

from __future__ import annotations

import pytest

from loyalty.models import ChangeLog, PointsTransaction
from loyalty.services.audit import ledger_audit
from tests.factories import CustomerFactory, MemberFactory
from tests.loyalty.conftest import credit

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def _member(shop, first, last, email, balance=0, **fields):
    customer = CustomerFactory(shop=shop, first_name=first, last_name=last, email=email)
    member = MemberFactory(shop=shop, customer=customer, **fields)
    if balance:
        credit(member, balance, f"seed:{member.pk}")
    return member


def test_search_by_name_words_and_email(admin, installed):
    ada = _member(installed, "Ada", "Lovelace", "ada@example.com")
    _member(installed, "Alan", "Turing", "alan@example.com")

    by_name = admin.get("/api/admin/members?search=ada love").json()["results"]
    by_email = admin.get("/api/admin/members?search=ADA@").json()["results"]

    assert [m["id"] for m in by_name] == [m["id"] for m in by_email] == [ada.pk]


def test_filters_by_state_and_balance_and_sorts(admin, installed):
    low = _member(installed, "A", "A", "a@example.com", balance=10)
    high = _member(installed, "B", "B", "b@example.com", balance=500)
    _member(installed, "C", "C", "c@example.com", balance=300, state="excluded")

    response = admin.get("/api/admin/members?state=active&balance_min=5&sort=-balance")

    assert [m["id"] for m in response.json()["results"]] == [high.pk, low.pk]
    in_range = admin.get("/api/admin/members?balance_min=100&balance_max=400").json()
    assert [m["balance"] for m in in_range["results"]] == [300]


def test_bad_filters_answer_400_with_field_errors(admin, installed):
    response = admin.get("/api/admin/members?balance_min=9&balance_max=1&sort=name")

    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"sort"}
    response = admin.get("/api/admin/members?balance_min=9&balance_max=1")
    assert set(response.json()["extra"]["fields"]) == {"balance_max"}


def test_the_list_pages_by_cursor_without_repeats(admin, installed):
    members = [_member(installed, "M", str(n), f"m{n}@example.com", balance=100) for n in range(5)]

    seen, path = [], "/api/admin/members?sort=-balance&limit=2"
    while path:
        page = admin.get(path).json()
        seen += [m["id"] for m in page["results"]]
        path = page["next"] and page["next"].split("testserver", 1)[1]

    assert sorted(seen) == sorted(m.pk for m in members)
    assert len(seen) == len(set(seen))


def test_a_garbled_cursor_answers_404_not_500(admin, installed):
    response = admin.get("/api/admin/members?cursor=cD0yMDI2LWJhZA%3D%3D")
    assert response.status_code == 404


def test_the_profile_explains_the_balance_lot_by_lot(admin, installed):
    member = _member(installed, "Ada", "Lovelace", "ada@example.com", balance=100)
    key = {"Idempotency-Key": "spend-1"}
    admin.post(
        f"/api/admin/members/{member.pk}/adjustments", {"points": -30, "reason": "fix"}, headers=key
    )

    profile = admin.get(f"/api/admin/members/{member.pk}").json()

    assert profile["member"]["balance"] == 70
    assert profile["balance_value"] == "0.70"
    [lot] = profile["lots"]
    assert (lot["amount"], lot["remaining"]) == (100, 70)
    debit, credit_entry = profile["history"]
    assert debit["amount"] == -30 and debit["lot"] is None
    assert [(a["lot_id"], a["amount"]) for a in debit["allocations"]] == [(lot["id"], 30)]
    assert credit_entry["lot"]["id"] == lot["id"]
    assert profile["codes"] == []


def test_an_adjustment_is_written_once_per_idempotency_key(admin, installed):
    member = _member(installed, "Ada", "Lovelace", "ada@example.com")
    body = {"points": 250, "reason": "goodwill", "note": "Sorry for the delay!"}
    url = f"/api/admin/members/{member.pk}/adjustments"

    first = admin.post(url, body, headers={"Idempotency-Key": "k1"})
    again = admin.post(url, body, headers={"Idempotency-Key": "k1"})
    other = admin.post(url, {**body, "points": 1}, headers={"Idempotency-Key": "k1"})

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.json()["entry"]["id"] == first.json()["entry"]["id"]
    entry = PointsTransaction.objects.get(member=member)
    assert (entry.amount, entry.note, entry.reason, entry.created_by) == (
        250,
        "Sorry for the delay!",
        "goodwill",
        "42",
    )
    assert first.json()["member"]["balance"] == 250
    assert ChangeLog.objects.filter(action="member.adjust_points").count() == 1
    assert ledger_audit(member_ids=[member.pk]) == []


def test_invalid_adjustments_answer_400_and_write_nothing(admin, installed):
    member = _member(installed, "Ada", "Lovelace", "ada@example.com")
    url = f"/api/admin/members/{member.pk}/adjustments"

    no_key = admin.post(url, {"points": 5, "reason": "x"})
    bad = admin.post(url, {"points": 0, "reason": ""}, headers={"Idempotency-Key": "k"})

    assert no_key.status_code == bad.status_code == 400
    assert set(no_key.json()["extra"]["fields"]) == {"Idempotency-Key"}
    assert set(bad.json()["extra"]["fields"]) == {"points", "reason"}
    assert not PointsTransaction.objects.filter(member=member).exists()


def test_deducting_more_than_the_balance_answers_409(admin, installed):
    member = _member(installed, "Ada", "Lovelace", "ada@example.com", balance=10)

    response = admin.post(
        f"/api/admin/members/{member.pk}/adjustments",
        {"points": -11, "reason": "x"},
        headers={"Idempotency-Key": "k"},
    )

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_points"
    member.refresh_from_db()
    assert member.balance == 10


def test_exclude_and_include_are_logged_with_the_staff_member(admin, installed):
    member = _member(installed, "Ada", "Lovelace", "ada@example.com")

    excluded = admin.post(f"/api/admin/members/{member.pk}/exclude", {"reason": "fraud"})
    included = admin.post(f"/api/admin/members/{member.pk}/include")

    assert (excluded.json()["state"], excluded.json()["excluded_reason"]) == ("excluded", "fraud")
    assert included.json()["state"] == "active"
    assert list(ChangeLog.objects.order_by("pk").values_list("action", "staff_user_id")) == [
        ("member.exclude", "42"),
        ("member.include", "42"),
    ]


def test_markup_in_customer_names_comes_back_as_plain_strings(admin, installed):
    name = "<script>alert('x')</script>"
    member = _member(installed, name, "&amp;", "x@example.com")

    listed = admin.get("/api/admin/members").json()["results"][0]
    profile = admin.get(f"/api/admin/members/{member.pk}").json()["member"]

    assert listed["first_name"] == profile["first_name"] == name
    assert listed["last_name"] == "&amp;"


def test_a_shop_parameter_is_ignored_the_token_decides(admin, installed, other_shop):
    ours = _member(installed, "Ada", "Lovelace", "ada@example.com")
    _member(other_shop, "Eve", "Outsider", "eve@example.com")

    response = admin.get(f"/api/admin/members?shop={other_shop.domain}&shop_id={other_shop.pk}")

    assert [m["id"] for m in response.json()["results"]] == [ours.pk]
