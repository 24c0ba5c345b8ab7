"""customers/data_request and customers/redact cover the loyalty program, through the inbox.

Ada has everything the program can hold on a customer: points for an order (and a partial
refund), a staff adjustment with free text, a redemption with its discount code, a queued
notification, and two CSV imports naming her by email (one with her birthday and referral
code, one whose error quotes a birthday). Bob, another member, must never be touched.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from devshop.webhooks import payloads as p
from loyalty.models import ImportBatch, Member, Notification, PointsTransaction, Redemption
from loyalty.services.changelog import member_changes
from loyalty.services.imports import import_batch_confirm, points_import
from loyalty.services.ledger import points_adjust
from loyalty.services.notifications import notification_queue
from loyalty.services.redemption import reward_redeem
from loyalty.services.staff import member_points_adjust, member_state_set
from shopify_app.models import CustomerDataExport
from tests.factories import RewardFactory
from tests.loyalty.conftest import assert_consistent
from tests.loyalty.shopify import Store

FIRST_CSV = (
    "Email,Points,Earned At,Tier,Birthday,Referral Code\n"
    "ada@example.com,1200,2025-06-01,Gold,1990-03-15,ADA-LOVELACE\n"
    "bob@example.com,300,,,,\n"
)
SECOND_CSV = "Email,Points,Birthday\nADA@example.com,1300,1990-13-45\nbob@example.com,310,\n"


@pytest.fixture
def store(shop):
    return Store(shop)


@pytest.fixture
def story(store):
    shop = store.shop
    ada, bob = store.customer(email="ada@example.com"), store.customer(email="bob@example.com")
    for customer in (ada, bob):
        assert store.customer_created(customer).status == "done"
    order = store.order(customer=ada, lines=[(Decimal("100.00"), 1)])
    store.paid(order)
    refunded, refund = store.refund(order, subtotal=Decimal("20.00"))
    store.refunded(refunded, refund)
    points_import(shop=shop, content=FIRST_CSV, dry_run=False)
    points_import(shop=shop, content=SECOND_CSV, dry_run=False)
    ada_member = Member.objects.get(shop=shop, customer__shopify_id=ada.id)
    bob_member = Member.objects.get(shop=shop, customer__shopify_id=bob.id)
    points_adjust(
        member=ada_member,
        points=50,
        reason="Ada Lovelace phoned about a late parcel",
        created_by="staff-1",
        idempotency_key="form-1",
        note="Sorry for the delay, Ada",
    )
    redemption = reward_redeem(member=ada_member, reward=RewardFactory(shop=shop, points_cost=200))
    for member in (ada_member, bob_member):
        notification_queue(
            member=member,
            kind="points_expiring",
            dedupe_key=f"expiry:{member.pk}",
            payload={"points": 10, "to": member.customer.email},
        )
    return {
        "ada": ada,
        "bob": bob,
        "order": order,
        "ada_member": ada_member,
        "bob_member": bob_member,
        "redemption": redemption,
    }


def _data_request(store, customer, orders=(), request_id=42) -> dict:
    body = p.customers_data_request_payload(
        shop=store.data,
        customer=customer,
        orders_requested=[o.id for o in orders],
        data_request_id=request_id,
    )
    delivery = store.send("customers/data_request", body)
    assert delivery.status == "done", delivery.last_error
    return CustomerDataExport.objects.get(shop=store.shop, data_request_id=request_id).data


def _redact(store, customer, orders=()):
    body = p.customers_redact_payload(
        shop=store.data, customer=customer, orders_to_redact=[o.id for o in orders]
    )
    delivery = store.send("customers/redact", body)
    assert delivery.status == "done", delivery.last_error


def test_a_data_request_exports_the_customers_whole_program(store, story):
    member, redemption = story["ada_member"], story["redemption"]

    loyalty = _data_request(store, story["ada"], [story["order"]])["loyalty"]

    member.refresh_from_db()
    assert loyalty["member"]["customer_shopify_id"] == story["ada"].id
    assert loyalty["member"]["birthday"] == "1990-03-15"
    assert loyalty["member"]["imported_referral_code"] == "ADA-LOVELACE"
    assert loyalty["member"]["balance"] == member.balance
    entries = PointsTransaction.objects.filter(member=member).order_by("pk")
    assert [(e["kind"], e["amount"]) for e in loyalty["ledger"]] == [
        (e.kind, e.amount) for e in entries
    ]
    assert {e["kind"] for e in loyalty["ledger"]} == {
        "order",
        "refund_reversal",
        "import",
        "adjustment",
        "redeem",
    }
    assert "Sorry for the delay, Ada" in [e["note"] for e in loyalty["ledger"]]
    assert sum(lot["remaining"] for lot in loyalty["lots"]) == member.balance
    assert any(lot["used_by"] for lot in loyalty["lots"])  # the refund and the redemption
    [earned] = loyalty["order_points"]
    assert earned["order_shopify_id"] == story["order"].id
    assert [r["refunded_amount"] for r in earned["reversals"]] == ["20.00"]
    [redeemed] = loyalty["redemptions"]
    assert (redeemed["code"], redeemed["points"]) == (redemption.code, 200)
    assert [n["payload"]["to"] for n in loyalty["notifications"]] == ["ada@example.com"]
    assert [(r["line"], r["email"]) for r in loyalty["import_rows"]] == [
        (2, "ada@example.com"),
        (2, "ada@example.com"),
    ]


def test_a_data_request_for_a_customer_the_program_does_not_know_exports_empty_sections(
    store, story
):
    stranger = store.customer(email="stranger@example.com")

    loyalty = _data_request(store, stranger)["loyalty"]

    assert loyalty["member"] is None
    assert all(loyalty[key] == [] for key in loyalty if key != "member")


def test_redact_erases_the_customers_personal_data_and_keeps_the_ledger_sums(store, story):
    ada, bob = story["ada_member"], story["bob_member"]
    amounts = list(
        PointsTransaction.objects.filter(member=ada).order_by("pk").values_list("pk", "amount")
    )
    ada.refresh_from_db()
    balance = (ada.balance, ada.pending, ada.lifetime_earned)
    reports = {b.pk: b.report for b in ImportBatch.objects.filter(shop=store.shop)}
    bob_balance = Member.objects.get(pk=bob.pk).balance

    _redact(store, story["ada"], [story["order"]])

    ada.refresh_from_db()
    assert (ada.birthday, ada.imported_referral_code) == (None, "")
    assert (ada.balance, ada.pending, ada.lifetime_earned) == balance
    entries = PointsTransaction.objects.filter(member=ada).order_by("pk")
    assert list(entries.values_list("pk", "amount")) == amounts  # nothing deleted or changed
    assert set(entries.values_list("reason", "note")) == {("", "")}
    assert not Notification.objects.filter(member=ada).exists()
    assert Redemption.objects.filter(member=ada).count() == 1
    for batch in ImportBatch.objects.filter(shop=store.shop):
        before = reports[batch.pk]
        assert len(batch.report) == len(before) and batch.rows_total == len(before)
        assert [row["email"] for row in batch.report] == [None, "bob@example.com"]
        assert "1990-13-45" not in str(batch.report)
        assert [row["status"] for row in batch.report] == [row["status"] for row in before]
    # Bob is untouched, and every balance still equals its ledger.
    assert Notification.objects.filter(member=bob).count() == 1
    assert PointsTransaction.objects.filter(member=bob).exclude(note="").exists()
    assert Member.objects.get(pk=bob.pk).balance == bob_balance
    assert_consistent(ada, bob)


def test_after_redaction_a_data_request_exports_nothing_personal(store, story):
    _redact(store, story["ada"])

    loyalty = _data_request(store, story["ada"])["loyalty"]

    assert loyalty["member"]["birthday"] is None
    assert loyalty["notifications"] == [] and loyalty["import_rows"] == []
    assert {(e["reason"], e["note"]) for e in loyalty["ledger"]} == {("", "")}
    assert loyalty["ledger"]  # the amounts are kept


def test_redact_finds_the_import_rows_by_the_mirrored_email_when_the_request_has_none(store, story):
    # The request names the customer by id only: the import rows are found by the email we
    # mirrored, which the loyalty redactor reads before the mirrors' redactor erases it.
    _redact(store, replace(story["ada"], email=None))

    for batch in ImportBatch.objects.filter(shop=store.shop):
        assert [row["email"] for row in batch.report] == [None, "bob@example.com"]


def test_redact_drops_the_customers_lines_from_a_file_still_kept_for_its_confirm(store, story):
    checked = points_import(shop=store.shop, content=FIRST_CSV, dry_run=True)
    assert "ada@example.com" in checked.content  # kept for the confirm step

    _redact(store, story["ada"])

    checked.refresh_from_db()
    assert "ada@example.com" not in checked.content.lower()
    assert checked.content.splitlines()[1:] == ["bob@example.com,300,,,,"]
    real = import_batch_confirm(batch=checked, created_by="staff")
    assert "ada" not in real.content.lower()


def test_redact_is_idempotent(store, story):
    _redact(store, story["ada"])
    _redact(store, story["ada"])

    ada = Member.objects.get(pk=story["ada_member"].pk)
    assert ada.birthday is None
    assert_consistent(ada, story["bob_member"])


def test_the_staffs_changes_to_the_member_are_exported_and_their_free_text_redacted(store, story):
    # The admin's adjustments and exclusions are logged with their reason and note in the
    # change log, which names the member only by object_type/object_id.
    ada, bob = story["ada_member"], story["bob_member"]
    for member in (ada, bob):
        member_points_adjust(
            member=member,
            points=25,
            reason=f"{member.customer.email} phoned, upset",
            note="Goodwill points, dear customer",
            staff_user_id="staff-1",
            idempotency_key="admin-1",
        )
        member_state_set(
            member=member, excluded=True, reason="Resells on eBay", staff_user_id="staff-1"
        )

    exported = _data_request(store, story["ada"])["loyalty"]["staff_changes"]
    assert [c["action"] for c in exported] == ["member.adjust_points", "member.exclude"]
    assert exported[0]["after"]["reason"] == "ada@example.com phoned, upset"
    assert exported[1]["after"]["excluded_reason"] == "Resells on eBay"

    _redact(store, story["ada"])

    adjusted, excluded = member_changes(member=ada)
    assert {k: adjusted.after[k] for k in ("points", "reason", "note")} == {
        "points": 25,
        "reason": "",
        "note": "",
    }
    assert excluded.before == {"state": "active", "excluded_reason": ""}
    assert excluded.after == {"state": "excluded", "excluded_reason": ""}
    again = _data_request(store, story["ada"], request_id=43)["loyalty"]["staff_changes"]
    assert "phoned" not in str(again) and "eBay" not in str(again)
    assert [c["action"] for c in again] == ["member.adjust_points", "member.exclude"]
    # Bob's rows keep their text; every balance still equals its ledger.
    assert "bob@example.com phoned, upset" in str([c.after for c in member_changes(member=bob)])
    assert_consistent(ada, bob)
