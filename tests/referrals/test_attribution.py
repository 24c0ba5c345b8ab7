"""Attribution and the referrer's reward through the real inbox: once per friend under
duplicated and reordered deliveries, by email without the code, pending through the hold and
reversed by a cancellation or full refund within it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from loyalty.services.ledger import points_post_due
from referrals.models import Referral
from referrals.services.program import referral_program_update
from tests.loyalty.conftest import assert_consistent
from tests.referrals.conftest import claim, friend_order, points, rewards

pytestmark = pytest.mark.django_db


def test_the_referrer_gets_1000_points_once_under_duplicated_and_reordered_webhooks(
    store, program, ada_member, ada_code
):
    referral = claim(store, ada_code, "bob@example.com")
    bob = store.customer(email="bob@example.com")
    order = friend_order(store, bob, code=referral.discount_code)
    partly, refund = store.refund(order, subtotal=Decimal("10.00"))

    # The refund first, then orders/paid three times: a retry of the same delivery (one inbox
    # row), a duplicate event, and once more inside a batch with the refund again.
    store.refunded(partly, refund)
    store.paid(order, webhook_id="paid-1")
    store.paid(order, webhook_id="paid-1")
    store.paid(order)
    with store.batch():
        store.paid(partly)
        store.refunded(partly, refund)

    referral.refresh_from_db()
    assert (referral.status, referral.attributed_by) == ("completed", "code")
    [reward] = rewards(referral)
    assert (reward.kind, reward.amount, reward.status) == ("referral", 1000, "pending")
    assert points(ada_member) == (0, 1000)  # shown as pending through the hold

    posted = points_post_due(now=reward.posts_at + timedelta(seconds=1))

    assert posted == 1
    assert points(ada_member) == (1000, 0)
    assert_consistent(ada_member)


def test_without_a_hold_the_reward_posts_at_once(store, ada_member, ada_code):
    referral_program_update(shop_id=store.shop.pk, changes={"hold_days": 0})
    referral = claim(store, ada_code, "bob@example.com")

    store.paid(friend_order(store, store.customer(email="bob@example.com")))

    assert points(ada_member) == (1000, 0)
    assert [r.status for r in rewards(referral)] == ["posted"]


def test_a_friend_paying_without_the_code_is_attributed_by_email(store, program, ada_code):
    referral = claim(store, ada_code, "Bob@Example.com ")
    bob = store.customer(email="bob@example.com")  # another device, code never typed

    store.paid(friend_order(store, bob))

    referral.refresh_from_db()
    assert (referral.status, referral.attributed_by) == ("completed", "email")
    assert referral.order_total == Decimal("100.00")
    assert [r.amount for r in rewards(referral)] == [1000]


def test_an_email_match_outside_the_attribution_window_is_not_attributed(store, program, ada_code):
    referral = claim(store, ada_code, "bob@example.com", now=store.clock - timedelta(days=31))

    store.paid(friend_order(store, store.customer(email="bob@example.com")))

    referral.refresh_from_db()
    assert (referral.status, referral.order_shopify_id) == ("claimed", None)
    assert rewards(referral) == []


def test_an_order_by_someone_else_completes_nothing(store, program, ada_code):
    referral = claim(store, ada_code, "bob@example.com")

    store.paid(friend_order(store, store.customer(email="carol@example.com")))

    referral.refresh_from_db()
    assert referral.status == "claimed"


def test_a_full_refund_within_the_hold_reverses_the_reward(store, program, ada_member, ada_code):
    referral = claim(store, ada_code, "bob@example.com")
    order = friend_order(store, store.customer(email="bob@example.com"))
    store.paid(order)
    assert points(ada_member) == (0, 1000)

    refunded, refund = store.refund(order, subtotal=Decimal("100.00"))
    store.refunded(refunded, refund)
    store.refunded(refunded, refund)  # a duplicate changes nothing

    referral.refresh_from_db()
    assert referral.status == "reversed"
    assert [r.status for r in rewards(referral)] == ["void"]
    assert points(ada_member) == (0, 0)
    assert points_post_due(now=store.clock + timedelta(days=30)) == 0
    assert_consistent(ada_member)


def test_a_partial_refund_keeps_the_reward(store, program, ada_member, ada_code):
    claim(store, ada_code, "bob@example.com")
    order = friend_order(store, store.customer(email="bob@example.com"))
    store.paid(order)

    refunded, refund = store.refund(order, subtotal=Decimal("40.00"))
    store.refunded(refunded, refund)

    assert points(ada_member) == (0, 1000)


def test_a_cancellation_within_the_hold_reverses_the_reward(store, program, ada_member, ada_code):
    referral = claim(store, ada_code, "bob@example.com")
    order = friend_order(store, store.customer(email="bob@example.com"))
    store.paid(order)

    store.order_event("orders/cancelled", store.cancel(order))

    referral.refresh_from_db()
    assert referral.status == "reversed"
    assert points(ada_member) == (0, 0)


def test_a_refund_after_the_hold_leaves_the_reward(store, program, ada_member, ada_code):
    referral = claim(store, ada_code, "bob@example.com")
    order = friend_order(store, store.customer(email="bob@example.com"))
    store.paid(order)
    store.tick(days=15)

    refunded, refund = store.refund(order, subtotal=Decimal("100.00"))
    store.refunded(refunded, refund)

    referral.refresh_from_db()
    assert referral.status == "completed"
    assert [r.status for r in rewards(referral)] == ["pending"]  # the beat job posts it


def test_a_cancelled_order_arriving_before_its_paid_delivery_rewards_nothing(
    store, program, ada_member, ada_code
):
    referral = claim(store, ada_code, "bob@example.com")
    order = friend_order(store, store.customer(email="bob@example.com"))

    store.order_event("orders/cancelled", store.cancel(order))
    store.paid(order)  # older: the mirror keeps the cancellation

    referral.refresh_from_db()
    assert (referral.status, rewards(referral)) == ("claimed", [])
    assert points(ada_member) == (0, 0)


def test_each_friend_is_rewarded_once_and_one_order_completes_one_referral(
    store, program, ada_member, ada_code
):
    first = claim(store, ada_code, "bob@example.com")
    second = claim(store, ada_code, "bob+again@example.com")
    bob = store.customer(email="bob@example.com")

    store.paid(friend_order(store, bob, code=first.discount_code))

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("completed", "claimed")
    assert Referral.objects.filter(status="completed").count() == 1


def test_a_batch_of_deliveries_gives_what_one_by_one_gives(
    store, program, ada, ada_member, ada_code
):
    """The set-based handler reconciles only the orders that concern a referral, and the same
    way as the handler run for each delivery in turn."""
    from dataclasses import replace

    by_code = claim(store, ada_code, "bob@example.com")
    by_email = claim(store, ada_code, "carol@example.com")
    self_ip = claim(store, ada_code, "dan@example.com")
    ada_order = store.order(customer=ada)
    bob, carol, dan = (store.customer(email=f"{n}@example.com") for n in ("bob", "carol", "dan"))
    stranger = store.customer(email="erin@example.com")

    with store.batch() as outcomes:
        store.paid(replace(ada_order, browser_ip="198.51.100.7"))
        store.paid(friend_order(store, bob, code=by_code.discount_code))
        store.paid(friend_order(store, carol))
        store.paid(friend_order(store, dan, browser_ip="198.51.100.7"))
        store.paid(friend_order(store, stranger))
        store.paid(friend_order(store, bob, code=by_code.discount_code))  # bob again: no change

    assert all(o.status == "done" for o in outcomes), outcomes
    for r in (by_code, by_email, self_ip):
        r.refresh_from_db()
    assert (by_code.status, by_code.attributed_by) == ("completed", "code")
    assert (by_email.status, by_email.attributed_by) == ("completed", "email")
    assert (self_ip.status, self_ip.fraud_rule) == ("rejected", "self_ip")
    assert points(ada_member)[1] == 2000
    assert Referral.objects.filter(shop=store.shop).count() == 3
