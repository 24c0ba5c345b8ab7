"""customers/data_request and customers/redact cover referrals: the friend's email, IPs and
evidence, and the referrer's signals and the evidence quoting them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from devshop.webhooks import payloads as p
from referrals.models import Referral, ReferrerSignal
from referrals.selectors import program_stats
from shopify_app.privacy import customer_data_export, customer_redact
from tests.referrals.conftest import ADA_EMAIL, claim, friend_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(store, program, ada, ada_code):
    """Ada's own order (signals), Bob's completed referral, a rejected alias claim."""
    order = store.order(customer=ada)
    store.paid(
        replace(
            order,
            browser_ip="198.51.100.7",
            shipping_address=p.AddressData(id=order.id, address1="1 Ada Street", phone=""),
        )
    )
    referral = claim(store, ada_code, "bob@example.com", ip="203.0.113.9")
    bob = store.customer(email="bob@example.com")
    bob_order = friend_order(store, bob, browser_ip="203.0.113.10")
    store.paid(bob_order)
    rejected = claim(store, ada_code, "adalovelace+x@gmail.com")
    return referral, bob, bob_order, rejected


def test_the_friends_export_shows_their_referral(store, scene):
    _, bob, bob_order, _ = scene

    export = customer_data_export(
        shop=store.shop,
        customer_shopify_id=bob.id,
        email=bob.email,
        order_shopify_ids=[bob_order.id],
        data_request_id=1,
    )

    [mine] = export.data["referrals"]["as_friend"]
    assert (mine["friend_email"], mine["claim_ip"], mine["order_ip"]) == (
        "bob@example.com",
        "203.0.113.9",
        "203.0.113.10",
    )
    assert mine["status"] == "completed"


def test_the_referrers_export_masks_the_friends(store, scene, ada):
    export = customer_data_export(
        shop=store.shop,
        customer_shopify_id=ada.id,
        email=ADA_EMAIL,
        order_shopify_ids=[],
        data_request_id=2,
    )

    mine = export.data["referrals"]["as_referrer"]
    assert {s["kind"] for s in mine["signals"]} == {"ip", "address"}
    friends = [r["friend"] for r in mine["referrals"]]
    assert friends[0] == "b**@example.com"
    assert friends[1].startswith("a*") and friends[1].endswith("*@gmail.com")
    assert "bob@example.com" not in str(mine)


def test_redacting_the_friend_erases_email_ips_and_evidence_and_keeps_the_funnel(store, scene):
    referral, bob, bob_order, _ = scene
    before = program_stats(shop_id=store.shop.pk)

    customer_redact(
        shop=store.shop,
        customer_shopify_id=bob.id,
        email=bob.email,
        order_shopify_ids=[bob_order.id],
    )
    customer_redact(
        shop=store.shop,
        customer_shopify_id=bob.id,
        email=bob.email,
        order_shopify_ids=[bob_order.id],
    )

    referral.refresh_from_db()
    assert referral.friend_email == f"redacted-{referral.pk}"
    assert (referral.friend_email_canonical, referral.claim_ip, referral.order_ip) == (
        "",
        None,
        None,
    )
    assert referral.redacted_at is not None
    assert "bob" not in str(referral.fraud_evidence)
    assert program_stats(shop_id=store.shop.pk) == before


def test_redacting_the_referrer_deletes_signals_and_quoted_evidence(store, scene, ada):
    _, _, _, rejected = scene
    assert ADA_EMAIL in str(Referral.objects.get(pk=rejected.pk).fraud_evidence)

    customer_redact(
        shop=store.shop, customer_shopify_id=ada.id, email=ADA_EMAIL, order_shopify_ids=[]
    )

    assert not ReferrerSignal.objects.filter(member__customer__shopify_id=ada.id).exists()
    rejected.refresh_from_db()
    assert ADA_EMAIL not in str(rejected.fraud_evidence)
    assert rejected.fraud_rule == "self_email"


def test_a_masked_email_shows_its_first_letter_and_domain_but_not_its_length():
    from referrals.selectors import mask_email

    assert mask_email("bo@example.com") == "b**@example.com"
    assert mask_email("bob@example.com") == "b**@example.com"
    assert mask_email("bartholomew.featherstonehaugh@example.com") == "b***@example.com"
    assert mask_email("bartholomew@example.com") == mask_email("barty@example.com")
    assert mask_email("not-an-email") == "***"
