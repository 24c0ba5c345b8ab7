"""Who becomes a member: per the program's enrolment scope on an order (one by one and in a
batch) and on a customer webhook; guests never get the signup rule; the shop's existing
customers enrolled set-based, with the onboarding's preview."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from loyalty.models import Member, PointsTransaction
from loyalty.selectors import EnrolmentPreview, enrolment_preview_get
from loyalty.services.members import members_enrol_existing
from loyalty.services.program import program_settings_update
from tests.factories import CustomerFactory, EarningRuleFactory, MemberFactory
from tests.loyalty.shopify import Store

SIGNUP = 200


@pytest.fixture
def store(shop):
    EarningRuleFactory(shop=shop, kind="signup", handle="", points=SIGNUP)
    return Store(shop)


def member_of(store, customer) -> Member | None:
    return Member.objects.filter(shop=store.shop, customer__shopify_id=customer.id).first()


def kinds(member: Member) -> list[tuple[str, int]]:
    entries = PointsTransaction.objects.filter(member=member).order_by("pk")
    return list(entries.values_list("kind", "amount"))


# --- on an order -------------------------------------------------------------------------------


@pytest.mark.parametrize("batched", [False, True], ids=["one-by-one", "batch"])
def test_by_default_a_guest_checkout_enrols_nobody_and_earns_nothing(store, batched):
    guest = store.customer(state="disabled")

    with store.batch() if batched else nullcontext():
        delivery = store.paid(store.order(customer=guest))

    delivery.refresh_from_db()
    assert delivery.status == "done", delivery.last_error
    assert member_of(store, guest) is None
    assert not PointsTransaction.objects.exists()


@pytest.mark.parametrize("batched", [False, True], ids=["one-by-one", "batch"])
def test_a_customer_with_an_account_joins_on_an_order_with_the_signup_points(store, batched):
    customer = store.customer()

    with store.batch() if batched else nullcontext():
        store.paid(store.order(customer=customer))

    member = member_of(store, customer)
    assert member is not None
    assert kinds(member) == [("action", SIGNUP), ("order", 100)]


@pytest.mark.parametrize("batched", [False, True], ids=["one-by-one", "batch"])
def test_with_all_customers_a_guest_joins_and_earns_on_the_order_but_no_signup(store, batched):
    program_settings_update(shop_id=store.shop.pk, enrolment_scope="all_customers")
    guest = store.customer(state="disabled")
    customer = store.customer()

    with store.batch() if batched else nullcontext():
        store.paid(store.order(customer=guest))
        store.paid(store.order(customer=customer))

    guest_member, member = member_of(store, guest), member_of(store, customer)
    assert guest_member is not None and member is not None
    assert kinds(guest_member) == [("order", 100)]
    assert (guest_member.balance, guest_member.state) == (100, "active")
    assert kinds(member) == [("action", SIGNUP), ("order", 100)]


def test_with_all_customers_the_customer_webhook_enrols_a_guest_without_signup(store):
    program_settings_update(shop_id=store.shop.pk, enrolment_scope="all_customers")
    guest = store.customer(state="disabled")

    store.customer_created(guest)

    member = member_of(store, guest)
    assert member is not None
    assert kinds(member) == []


@pytest.mark.parametrize("batched", [False, True], ids=["one-by-one", "batch"])
def test_a_guest_member_who_creates_an_account_gets_the_signup_points_once(store, batched):
    program_settings_update(shop_id=store.shop.pk, enrolment_scope="all_customers")
    guest = store.customer(state="disabled")
    with store.batch() if batched else nullcontext():
        store.paid(store.order(customer=guest))

    account = replace(guest, state="enabled", updated_at=store.tick())
    store.customer_created(account, topic="customers/update")
    store.customer_created(replace(account, updated_at=store.tick()), topic="customers/update")

    member = member_of(store, guest)
    assert member is not None and not member.signup_awaited
    assert kinds(member) == [("order", 100), ("action", SIGNUP)]
    assert member.balance == 100 + SIGNUP


def test_an_update_that_leaves_a_guest_without_an_account_pays_no_signup(store):
    program_settings_update(shop_id=store.shop.pk, enrolment_scope="all_customers")
    guest = store.customer(state="disabled")
    store.customer_created(guest)
    store.customer_created(replace(guest, updated_at=store.tick()), topic="customers/update")

    member = member_of(store, guest)
    assert member is not None and member.signup_awaited
    assert kinds(member) == []


# --- existing customers ------------------------------------------------------------------------

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


def existing_customers(shop, other_shop) -> dict[str, object]:
    """One customer of each kind the enrolment must tell apart."""
    return {
        "account": CustomerFactory(shop=shop, state="enabled"),
        "tagged": CustomerFactory(shop=shop, state="enabled", tags=["VIP", " Staff "]),
        "invited": CustomerFactory(shop=shop, state="invited"),
        "guest": CustomerFactory(shop=shop, state="disabled"),
        "deleted": CustomerFactory(shop=shop, state="enabled", deleted_at=NOW),
        "redacted": CustomerFactory(shop=shop, state="enabled", redacted_at=NOW),
        "member": MemberFactory(shop=shop, balance=0).customer,
        "other shop": CustomerFactory(shop=other_shop, state="enabled"),
    }


def enrolled(shop) -> dict[int, tuple[str, str]]:
    members = Member.objects.filter(shop=shop, joined_at=NOW)
    return {m.customer_id: (m.state, m.excluded_reason) for m in members}


def test_existing_customers_with_an_account_are_enrolled_once(shop, other_shop):
    EarningRuleFactory(shop=shop, kind="signup", handle="", points=SIGNUP)
    program_settings_update(shop_id=shop.pk, exclusion_tag="staff")
    c = existing_customers(shop, other_shop)

    assert enrolment_preview_get(shop=shop) == EnrolmentPreview(customers=2, excluded=1)
    assert members_enrol_existing(shop=shop, now=NOW) == 2

    assert enrolled(shop) == {c["account"].pk: ("active", ""), c["tagged"].pk: ("excluded", "tag")}
    assert not Member.objects.filter(shop=other_shop).exists()
    assert not PointsTransaction.objects.exists()  # no signup points for existing customers
    assert members_enrol_existing(shop=shop, now=NOW) == 0
    assert enrolment_preview_get(shop=shop) == EnrolmentPreview(customers=0, excluded=0)


def test_with_all_customers_existing_guests_are_enrolled_too(shop, other_shop):
    program_settings_update(shop_id=shop.pk, enrolment_scope="all_customers")
    c = existing_customers(shop, other_shop)

    assert enrolment_preview_get(shop=shop) == EnrolmentPreview(customers=4, excluded=0)
    assert members_enrol_existing(shop=shop, now=NOW) == 4

    assert set(enrolled(shop)) == {c[k].pk for k in ("account", "tagged", "invited", "guest")}
    awaiting = Member.objects.filter(shop=shop, signup_awaited=True)
    assert set(awaiting.values_list("customer_id", flat=True)) == {
        c["invited"].pk,
        c["guest"].pk,
    }


def test_an_existing_guest_enrolled_at_onboarding_gets_the_signup_points_with_an_account(shop):
    store = Store(shop)
    program_settings_update(shop_id=shop.pk, enrolment="opt_in")  # mirrored, not enrolled
    guest, customer = store.customer(state="disabled"), store.customer()
    store.customer_created(guest)
    store.customer_created(customer)
    EarningRuleFactory(shop=shop, kind="signup", handle="", points=SIGNUP)
    program_settings_update(shop_id=shop.pk, enrolment="automatic", enrolment_scope="all_customers")

    assert members_enrol_existing(shop=shop, now=NOW) == 2
    signed_up = replace(guest, state="enabled", updated_at=store.tick())
    store.customer_created(signed_up, "customers/update")
    store.customer_created(replace(customer, updated_at=store.tick()), "customers/update")

    assert kinds(member_of(store, guest)) == [("action", SIGNUP)]
    assert kinds(member_of(store, customer)) == []  # signed up before the program existed


def test_an_opt_in_program_enrols_no_existing_customer(shop, other_shop):
    program_settings_update(shop_id=shop.pk, enrolment="opt_in")
    existing_customers(shop, other_shop)

    assert enrolment_preview_get(shop=shop) == EnrolmentPreview(customers=0, excluded=0)
    assert members_enrol_existing(shop=shop, now=NOW) == 0
    assert enrolled(shop) == {}


@pytest.mark.parametrize("count", [3, 60])
def test_enrolling_existing_customers_costs_the_same_queries_for_any_number(
    shop, count, django_assert_num_queries
):
    program_settings_update(shop_id=shop.pk, exclusion_tag="staff")
    CustomerFactory.create_batch(count, shop=shop, tags=["staff"])

    with django_assert_num_queries(2):  # the settings, one count
        preview = enrolment_preview_get(shop=shop)
    with django_assert_num_queries(4):  # savepoint, the settings, one INSERT … SELECT, release
        created = members_enrol_existing(shop=shop, now=NOW)

    assert preview == EnrolmentPreview(customers=count, excluded=count)
    assert created == count == Member.objects.filter(shop=shop, state="excluded").count()
