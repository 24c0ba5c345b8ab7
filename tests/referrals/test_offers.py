"""The friend offer's code, created in devshop (Shopify's stand-in) and checked against the
vendored Admin schema: every offer kind's variables are valid input, the code is single-use
for anyone (context all) with an expiry, and a retry after a lost response finds it."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from graphql import GraphQLSchema, build_client_schema, parse
from graphql.execution.values import get_variable_values

from devshop.models import DevDiscountCode
from referrals.exceptions import InvalidFriendEmail, ReferralsClosed, UnknownReferralCode
from referrals.models import Referral
from referrals.services.offers import offer_discount_input, referral_claim, referral_offer_issue
from referrals.services.program import referral_program_get, referral_program_update
from tests.callbacks import work
from tests.loyalty.conftest import devshop_connect
from tests.referrals.conftest import claim


@cache
def admin_schema() -> GraphQLSchema:
    path = Path(settings.BASE_DIR) / "shopify_app/schema/admin_2026-07.json.gz"
    with gzip.open(path) as f:
        return build_client_schema(json.load(f)["data"])


@pytest.fixture
def dev_shop(shop, inprocess_http):
    return devshop_connect(shop)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"offer_kind": "fixed", "offer_value": Decimal("15"), "minimum_order": Decimal("50")},
        {"offer_kind": "free_shipping"},
    ],
)
def test_the_offer_variables_are_valid_admin_api_input(store, ada_code, changes):
    referral_program_update(shop_id=store.shop.pk, changes=changes)
    referral = claim(store, ada_code, "bob@example.com")

    document, _field, variables = offer_discount_input(
        referral=referral, program=referral_program_get(shop_id=store.shop.pk)
    )

    operation = parse(document).definitions[0]
    coerced = get_variable_values(admin_schema(), operation.variable_definitions, variables)
    assert isinstance(coerced, dict), [e.message for e in coerced]
    (discount,) = variables.values()
    assert discount["context"] == {"all": "ALL"}
    assert (discount["usageLimit"], discount["appliesOncePerCustomer"]) == (1, True)
    assert discount["endsAt"] == referral.code_expires_at.isoformat()


def test_the_percent_offer_is_sent_as_a_fraction(store, ada_code):
    referral = claim(store, ada_code, "bob@example.com")

    _doc, field, variables = offer_discount_input(
        referral=referral, program=referral_program_get(shop_id=store.shop.pk)
    )

    assert field == "discountCodeBasicCreate"
    assert variables["basicCodeDiscount"]["customerGets"]["value"] == {"percentage": 0.1}


def test_the_claim_enqueues_the_code_and_the_task_creates_it_in_devshop(
    store, dev_shop, ada_code, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        referral = referral_claim(shop=store.shop, code=ada_code.code, email="bob@example.com")
    assert len(work(callbacks)) == 1

    issued = referral_offer_issue(referral_id=referral.pk)

    assert issued.code_status == "issued"
    assert issued.discount_node_id.startswith("gid://shopify/DiscountCodeNode/")
    code = DevDiscountCode.objects.get(shop=dev_shop, code__iexact=referral.discount_code)
    assert (code.usage_limit, code.applies_once_per_customer, code.context_all) == (1, True, True)
    assert code.value_type == "percentage"


def test_a_retry_after_a_lost_response_finds_the_code_already_made(store, dev_shop, ada_code):
    referral = claim(store, ada_code, "bob@example.com")
    first = referral_offer_issue(referral_id=referral.pk)
    Referral.objects.filter(pk=referral.pk).update(code_status="pending", discount_node_id="")

    again = referral_offer_issue(referral_id=referral.pk)

    assert again.code_status == "issued"
    assert again.discount_node_id == first.discount_node_id
    assert (
        DevDiscountCode.objects.filter(shop=dev_shop, code__iexact=referral.discount_code).count()
        == 1
    )


def test_a_self_referral_claim_enqueues_no_code(
    store, ada_code, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        referral = referral_claim(
            shop=store.shop, code=ada_code.code, email="adalovelace@gmail.com"
        )

    assert (referral.status, work(callbacks)) == ("rejected", [])


@pytest.mark.parametrize("email", ["", "not-an-email", "bob@", "@example.com"])
def test_an_invalid_email_is_refused_and_nothing_is_stored(store, ada_code, email):
    with pytest.raises(InvalidFriendEmail):
        referral_claim(shop=store.shop, code=ada_code.code, email=email)

    assert not Referral.objects.exists()


def test_an_unknown_code_is_refused(store, ada_code):
    with pytest.raises(UnknownReferralCode):
        referral_claim(shop=store.shop, code="NOPE", email="bob@example.com")


def test_a_code_of_another_shop_is_unknown_here(store, other_shop, ada_code):
    with pytest.raises(UnknownReferralCode):
        referral_claim(shop=other_shop, code=ada_code.code, email="bob@example.com")


def test_a_closed_program_refuses_claims(store, ada_code):
    referral_program_update(shop_id=store.shop.pk, changes={"active": False})

    with pytest.raises(ReferralsClosed):
        referral_claim(shop=store.shop, code=ada_code.code, email="bob@example.com")


def test_the_sweeper_re_enqueues_codes_whose_task_was_lost(store, ada_code):
    from datetime import timedelta
    from unittest import mock

    from referrals.services.offers import referral_offer_sweep
    from referrals.tasks import referral_offer_issue as issue_task

    lost = claim(store, ada_code, "bob@example.com")
    fresh = claim(store, ada_code, "carol@example.com")
    Referral.objects.filter(pk=lost.pk).update(created_at=lost.created_at - timedelta(minutes=10))
    issued = claim(store, ada_code, "dan@example.com")
    Referral.objects.filter(pk=issued.pk).update(
        code_status="issued", created_at=issued.created_at - timedelta(minutes=10)
    )

    with mock.patch.object(issue_task, "delay") as delay:
        assert referral_offer_sweep(now=fresh.created_at + timedelta(seconds=1)) == 1

    delay.assert_called_once_with(referral_id=lost.pk)


@pytest.mark.parametrize("customer_email", ["Bob@Example.COM", None])
def test_a_friend_whose_orders_are_mirrored_under_another_case_is_not_new(
    store, ada_code, customer_email
):
    from referrals.exceptions import FriendNotNew
    from tests.referrals.conftest import friend_order

    bob = store.customer(email=customer_email or "someone.else@example.com")
    store.paid(replace(friend_order(store, bob), email="BOB@example.com"))

    with pytest.raises(FriendNotNew):
        referral_claim(shop=store.shop, code=ada_code.code, email=" bob@EXAMPLE.com")

    assert not Referral.objects.exists()
