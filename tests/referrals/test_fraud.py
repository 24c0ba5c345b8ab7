"""Fraud checks through the real inbox: self-referrals by an alias email, the same address,
the same IP, the same phone, a friend who is not new, velocity — each stored with its rule and
evidence — and the staff decisions on a held referral."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from devshop.webhooks import payloads as p
from referrals.exceptions import FriendNotNew, ReferralNotReviewable
from referrals.models import ReferrerSignal
from referrals.services.decisions import referral_approve, referral_reject
from referrals.services.offers import referral_claim
from referrals.services.program import referral_program_update
from tests.referrals.conftest import ADA_EMAIL, claim, friend_order, points, rewards

pytestmark = pytest.mark.django_db

HOME = p.AddressData(
    id=1, address1="12 Analytical Row", zip="SW1A 1AA", country_code="GB", phone=""
)


def ada_orders(store, ada, **fields) -> None:
    """Ada's own paid order, which the self-referral checks remember her by."""
    order = store.order(customer=ada)
    fields.setdefault(
        "shipping_address", p.AddressData(id=order.id, address1="1 Ada Street", phone="")
    )
    store.paid(replace(order, **fields))


def rules(referral) -> list[str]:
    return [f["rule"] for f in referral.fraud_evidence["findings"]]


def test_a_claim_through_an_alias_of_the_referrers_gmail_is_rejected_with_its_reason(
    store, program, ada_code
):
    referral = claim(store, ada_code, "Ada.Lovelace+deals@googlemail.com")

    assert (referral.status, referral.fraud_rule) == ("rejected", "self_email")
    assert referral.fraud_evidence == {
        "friend_email": "adalovelace@gmail.com",
        "referrer_email": ADA_EMAIL,
    }
    assert referral.code_status == "failed"  # no code is made for it


def test_an_order_under_an_alias_of_the_referrer_is_rejected(store, program, ada_code):
    referral = claim(store, ada_code, "friend@example.com")
    alias = store.customer(email="friend@example.com")

    store.paid(replace(friend_order(store, alias), email="adalovelace+x@gmail.com"))

    referral.refresh_from_db()
    assert (referral.status, referral.fraud_rule) == ("rejected", "self_email")
    assert referral.fraud_evidence["findings"][0]["evidence"] == {
        "order_email": "adalovelace+x@gmail.com",
        "referrer_email": ADA_EMAIL,
    }
    assert rewards(referral) == []


def test_the_same_shipping_address_as_the_referrers_order_is_rejected(
    store, program, ada, ada_member, ada_code
):
    ada_orders(store, ada, shipping_address=HOME)
    referral = claim(store, ada_code, "bob@example.com")
    bob = store.customer(email="bob@example.com")
    # Same street written differently: case, punctuation and spacing are ignored.
    same = replace(HOME, address1="12,  ANALYTICAL row", zip="sw1a 1aa", phone="020 7946 0000")

    store.paid(friend_order(store, bob, shipping_address=same))

    referral.refresh_from_db()
    assert (referral.status, referral.fraud_rule) == ("rejected", "self_address")
    assert referral.fraud_evidence["findings"][0]["evidence"] == {
        "address": "12 analytical row||sw1a 1aa|gb"
    }
    assert rewards(referral) == []


def test_the_same_browser_ip_as_the_referrers_order_is_rejected(
    store, program, ada, ada_member, ada_code
):
    ada_orders(store, ada, browser_ip="198.51.100.7")
    referral = claim(store, ada_code, "bob@example.com")

    store.paid(
        friend_order(store, store.customer(email="bob@example.com"), browser_ip="198.51.100.7")
    )

    referral.refresh_from_db()
    assert (referral.status, referral.fraud_rule) == ("rejected", "self_ip")
    assert referral.fraud_evidence["findings"] == [
        {"rule": "self_ip", "decision": "reject", "evidence": {"browser_ip": "198.51.100.7"}}
    ]
    assert rewards(referral) == []


def test_another_ip_and_address_complete_the_referral(store, program, ada, ada_code):
    ada_orders(store, ada, browser_ip="198.51.100.7", shipping_address=HOME)
    referral = claim(store, ada_code, "bob@example.com")
    elsewhere = replace(HOME, address1="1 Difference Engine Way", phone="020 7946 1111")

    store.paid(
        friend_order(
            store,
            store.customer(email="bob@example.com"),
            browser_ip="203.0.113.50",
            shipping_address=elsewhere,
        )
    )

    referral.refresh_from_db()
    assert (referral.status, referral.fraud_rule, rules(referral)) == ("completed", "", [])
    kinds = ReferrerSignal.objects.filter(member=ada_code.member).values_list("kind", flat=True)
    assert sorted(kinds) == ["address", "ip"]  # Ada's own order; it had no phone


def test_the_same_phone_as_the_referrer_is_rejected(store, program, ada, ada_code):
    ada_orders(store, ada, phone="+44 20 7946 0018")
    referral = claim(store, ada_code, "bob@example.com")

    store.paid(friend_order(store, store.customer(email="bob@example.com"), phone="020 7946 0018"))

    referral.refresh_from_db()
    assert (referral.status, referral.fraud_rule) == ("rejected", "self_phone")


def test_a_friend_who_has_ordered_before_is_refused_the_offer(store, program, ada_code):
    bob = store.customer(email="bob@example.com")
    store.paid(store.order(customer=bob))

    with pytest.raises(FriendNotNew) as raised:
        claim(store, ada_code, "BOB@example.com")

    assert "new customers" in raised.value.message


def test_a_friend_with_an_earlier_order_under_another_email_is_rejected_at_the_order(
    store, program, ada_code
):
    bob = store.customer(email="bob@example.com")
    store.paid(store.order(customer=bob))
    referral = claim(store, ada_code, "bob.new@example.com")
    earlier = bob  # same customer, new email on the order

    store.paid(replace(friend_order(store, earlier), email="bob.new@example.com"))

    referral.refresh_from_db()
    assert (referral.status, referral.fraud_rule) == ("rejected", "friend_not_new")


def test_fraud_checks_off_lets_a_self_referral_through(store, ada_code):
    referral_program_update(shop_id=store.shop.pk, changes={"fraud_checks": False})

    referral = claim(store, ada_code, "adalovelace+me@gmail.com")

    assert referral.status == "claimed"


def held_referral(store, ada_code):
    """Ada's second referral within the velocity window of one per week: held."""
    referral_program_update(shop_id=store.shop.pk, changes={"velocity_per_referrer": 1})
    claim(store, ada_code, "bob@example.com")
    store.paid(friend_order(store, store.customer(email="bob@example.com")))
    second = claim(store, ada_code, "carol@example.com")
    store.paid(friend_order(store, store.customer(email="carol@example.com")))
    second.refresh_from_db()
    return second


def test_velocity_per_referrer_holds_the_referral_for_review(store, program, ada_member, ada_code):
    held = held_referral(store, ada_code)

    assert (held.status, held.fraud_rule) == ("held", "velocity_referrer")
    assert held.fraud_evidence["findings"][0]["evidence"] == {"referrals": 2, "days": 7}
    assert points(ada_member) == (0, 1000)  # the first friend's reward only


def test_velocity_per_ip_holds_the_referral(store, program, ada_code):
    referral_program_update(shop_id=store.shop.pk, changes={"velocity_per_ip": 1})
    claim(store, ada_code, "bob@example.com", ip="203.0.113.9")
    held = claim(store, ada_code, "carol@example.com", ip="203.0.113.9")

    store.paid(friend_order(store, store.customer(email="carol@example.com")))

    held.refresh_from_db()
    assert (held.status, held.fraud_rule) == ("held", "velocity_ip")


def test_staff_approve_a_held_referral_and_the_reward_follows(store, program, ada_member, ada_code):
    held = held_referral(store, ada_code)

    approved = referral_approve(
        shop_id=store.shop.pk, referral_id=held.pk, staff="staff:42", note="Known customer"
    )

    assert (approved.status, approved.decided_by, approved.decision_note) == (
        "completed",
        "staff:42",
        "Known customer",
    )
    assert approved.decided_at is not None
    assert approved.fraud_rule == "velocity_referrer"  # the rule stays on record
    assert [r.amount for r in rewards(approved)] == [1000]
    assert points(ada_member) == (0, 2000)
    with pytest.raises(ReferralNotReviewable):
        referral_approve(shop_id=store.shop.pk, referral_id=held.pk, staff="staff:42")


def test_staff_reject_a_held_referral(store, program, ada_member, ada_code):
    held = held_referral(store, ada_code)

    rejected = referral_reject(shop_id=store.shop.pk, referral_id=held.pk, staff="staff:7")

    assert (rejected.status, rejected.decided_by) == ("rejected", "staff:7")
    assert rewards(rejected) == []
    assert points(ada_member) == (0, 1000)


def test_rejecting_a_completed_referral_voids_its_pending_reward(
    store, program, ada_member, ada_code
):
    referral = claim(store, ada_code, "bob@example.com")
    store.paid(friend_order(store, store.customer(email="bob@example.com")))

    referral_reject(shop_id=store.shop.pk, referral_id=referral.pk, staff="staff:7")

    assert points(ada_member) == (0, 0)
    assert [r.status for r in rewards(referral)] == ["void"]


def test_another_shops_staff_cannot_decide(store, other_shop, program, ada_code):
    held = held_referral(store, ada_code)

    with pytest.raises(held.DoesNotExist):
        referral_approve(shop_id=other_shop.pk, referral_id=held.pk, staff="staff:1")


def test_the_claim_is_idempotent_per_normalised_email(store, program, ada_code):
    first = referral_claim(shop=store.shop, code=ada_code.code, email="Bob@Example.com")
    again = referral_claim(shop=store.shop, code=ada_code.code.lower(), email=" bob@example.com ")

    assert again.pk == first.pk
    assert again.discount_code == first.discount_code
    assert first.code_expires_at - first.claimed_at == timedelta(days=30)
