"""The referrer's reward from loyalty's catalog instead of points, against devshop: the
reward's code for the referrer only, free (no ledger entry), made once under duplicated and
reordered deliveries, refused by Shopify until the hold ends; voided in devshop when the
friend's order is undone within the hold, or recorded as used (and nothing clawed back) when
the code went to an order first."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from devshop import clock as devshop_clock
from devshop.exceptions import DevshopError
from devshop.models import DevDiscountCode
from devshop.services.customers import customer_create
from devshop.services.orders import LineInput, order_create
from devshop.webhooks.convert import payload_for
from loyalty.models import PointsTransaction
from referrals.exceptions import InvalidProgramSettings, ReferralNotReviewable
from referrals.models import Referral
from referrals.selectors import referrer_stats, reward_status
from referrals.services.decisions import referral_reject
from referrals.services.program import referral_program_update
from referrals.services.rewards import referral_reward_code_sync, referral_reward_sweep
from tests.factories import RewardFactory
from tests.loyalty.conftest import devshop_connect
from tests.referrals.conftest import ADA_EMAIL, claim, enrol, friend_order, points

pytestmark = pytest.mark.django_db
HOLD = timedelta(days=14)


@pytest.fixture
def dev_shop(shop, inprocess_http):
    return devshop_connect(shop)


@pytest.fixture
def ada_dev(dev_shop):
    return customer_create(shop=dev_shop, first_name="Ada", email=ADA_EMAIL)


@pytest.fixture
def ada_member(store, ada_dev):
    # Ada exists in devshop too: the reward's code names her customer.
    return enrol(store, replace(store.customer(email=ADA_EMAIL), id=ada_dev.id))


@pytest.fixture
def reward(shop):
    return RewardFactory(shop=shop, name="$20 off", points_cost=2000, amount=Decimal("20.00"))


@pytest.fixture
def program(shop, reward):
    return referral_program_update(
        shop_id=shop.pk, changes={"hold_days": 14, "referrer_reward_id": reward.pk}
    )


def completed(store, ada_code, email="bob@example.com") -> tuple[Referral, object]:
    """Bob claims Ada's offer and pays with the code; returns the referral and his order."""
    referral = claim(store, ada_code, email)
    order = friend_order(store, store.customer(email=email), code=referral.discount_code)
    store.paid(order)
    referral.refresh_from_db()
    return referral, order


def ada_checks_out(dev_shop, ada_dev, code: str):
    return order_create(
        shop=dev_shop, customer=ada_dev, lines=[LineInput("Tea", Decimal("50.00"))],
        discount_code=code,
    )  # fmt: skip


def test_the_referrer_gets_the_reward_code_once_free_and_usable_after_the_hold(
    store, dev_shop, ada_dev, program, ada_member, ada_code
):
    referral = claim(store, ada_code, "bob@example.com")
    order = friend_order(
        store, store.customer(email="bob@example.com"), code=referral.discount_code
    )
    partly, refund = store.refund(order, subtotal=Decimal("10.00"))

    # Reordered and duplicated: a partial refund first, orders/paid twice, then again in a batch.
    store.refunded(partly, refund)
    store.paid(order, webhook_id="paid-1")
    store.paid(order, webhook_id="paid-1")
    store.paid(order)
    with store.batch():
        store.paid(partly)
        store.refunded(partly, refund)
    referral.refresh_from_db()
    assert (referral.status, referral.reward_code_status) == ("completed", "pending")

    first = referral_reward_code_sync(referral_id=referral.pk)
    again = referral_reward_code_sync(referral_id=referral.pk)  # a duplicated task

    assert (first.reward_code_status, again.reward_node_id) == ("issued", first.reward_node_id)
    [code] = DevDiscountCode.objects.filter(shop=dev_shop, code__iexact=referral.reward_code)
    assert (code.context_all, code.context_customer_ids) == (False, [ada_dev.id])
    assert (code.usage_limit, code.value_type, code.value) == (1, "fixed_amount", Decimal(20))
    assert code.starts_at == referral.reward_available_at
    assert referral.reward_available_at == order.processed_at + HOLD
    # Free: no points moved, nothing in the ledger for this referral.
    assert points(ada_member) == (0, 0)
    assert not PointsTransaction.objects.filter(member=ada_member).exists()
    assert reward_status(first) == "pending"
    assert referrer_stats(member=ada_member)["referrals"][0]["reward"]["code"] is None

    with pytest.raises(DevshopError):
        ada_checks_out(dev_shop, ada_dev, referral.reward_code)  # Shopify refuses it in the hold
    devshop_clock.advance(HOLD.total_seconds() + 60)
    used = ada_checks_out(dev_shop, ada_dev, referral.reward_code)
    store.send("orders/paid", json.loads(json.dumps(payload_for(dev_shop, "orders/paid", used))))

    referral.refresh_from_db()
    assert referral.reward_code_status == "used"
    assert reward_status(referral) == "used"
    assert Decimal(str(used.total_discounts)) == Decimal("20.00")


def test_a_full_refund_within_the_hold_voids_the_unused_code_in_devshop(
    store, dev_shop, ada_dev, program, ada_member, ada_code
):
    referral, order = completed(store, ada_code)
    referral_reward_code_sync(referral_id=referral.pk)
    refunded, refund = store.refund(order, subtotal=Decimal("100.00"))

    store.refunded(refunded, refund)
    store.refunded(refunded, refund)  # a duplicate event
    referral.refresh_from_db()
    assert (referral.status, reward_status(referral)) == ("reversed", "void")
    voided = referral_reward_code_sync(referral_id=referral.pk)
    referral_reward_code_sync(referral_id=referral.pk)

    assert voided.reward_code_status == "voided"
    code = DevDiscountCode.objects.get(shop=dev_shop, code__iexact=referral.reward_code)
    assert code.deactivated_at is not None  # kept by Shopify, ended
    devshop_clock.advance(HOLD.total_seconds() + 60)
    with pytest.raises(DevshopError):
        ada_checks_out(dev_shop, ada_dev, referral.reward_code)
    assert points(ada_member) == (0, 0)


def test_a_cancellation_before_the_code_was_made_makes_none(
    store, dev_shop, program, ada_member, ada_code
):
    referral, order = completed(store, ada_code)

    store.order_event("orders/cancelled", store.cancel(order))
    voided = referral_reward_code_sync(referral_id=referral.pk)

    assert (voided.status, voided.reward_code_status) == ("reversed", "voided")
    assert not DevDiscountCode.objects.filter(shop=dev_shop, code__iexact=voided.reward_code)


def test_a_code_used_before_a_late_refund_is_recorded_used_and_nothing_is_clawed_back(
    store, dev_shop, ada_dev, program, ada_member, ada_code
):
    referral, order = completed(store, ada_code)
    referral_reward_code_sync(referral_id=referral.pk)
    refunded, refund = store.refund(order, subtotal=Decimal("100.00"))  # within the hold
    devshop_clock.advance(HOLD.total_seconds() + 60)
    ada_checks_out(dev_shop, ada_dev, referral.reward_code)  # its orders/paid not yet here

    store.refunded(refunded, refund)  # the refund's webhook arrives late
    kept = referral_reward_code_sync(referral_id=referral.pk)

    assert (kept.status, kept.reward_code_status) == ("reversed", "used")
    code = DevDiscountCode.objects.get(shop=dev_shop, code__iexact=referral.reward_code)
    assert code.deactivated_at is None
    assert points(ada_member) == (0, 0)
    assert not PointsTransaction.objects.filter(member=ada_member).exists()


def test_without_a_hold_the_code_works_at_once_and_a_later_refund_keeps_it(
    store, dev_shop, ada_dev, reward, ada_member, ada_code
):
    referral_program_update(
        shop_id=store.shop.pk, changes={"hold_days": 0, "referrer_reward_id": reward.pk}
    )
    referral, order = completed(store, ada_code)
    issued = referral_reward_code_sync(referral_id=referral.pk)
    refunded, refund = store.refund(order, subtotal=Decimal("100.00"))

    store.refunded(refunded, refund)

    issued.refresh_from_db()
    assert (issued.status, reward_status(issued)) == ("completed", "available")
    assert ada_checks_out(dev_shop, ada_dev, issued.reward_code).total_discounts == Decimal(20)


def test_staff_reject_voids_the_code_within_the_hold_but_not_after(
    store, dev_shop, program, ada_member, ada_code
):
    referral, _order = completed(store, ada_code)
    referral_reward_code_sync(referral_id=referral.pk)
    late, _late_order = completed(store, ada_code, "carol@example.com")
    referral_reward_code_sync(referral_id=late.pk)

    referral_reject(shop_id=store.shop.pk, referral_id=referral.pk, staff="staff:1")
    voided = referral_reward_code_sync(referral_id=referral.pk)
    with pytest.raises(ReferralNotReviewable):
        referral_reject(
            shop_id=store.shop.pk, referral_id=late.pk, staff="staff:1",
            now=late.reward_available_at + timedelta(seconds=1),
        )  # fmt: skip

    assert (voided.status, voided.reward_code_status) == ("rejected", "voided")
    late.refresh_from_db()
    assert (late.status, late.reward_code_status) == ("completed", "issued")


def test_the_sweeper_re_enqueues_codes_left_to_make(store, program, ada_member, ada_code):
    from unittest import mock

    from referrals.tasks import referral_reward_code_sync as sync_task

    referral, _order = completed(store, ada_code)

    with mock.patch.object(sync_task, "delay") as delay:
        assert referral_reward_sweep(now=referral.updated_at + timedelta(minutes=1)) == 0
        assert referral_reward_sweep(now=referral.updated_at + timedelta(minutes=6)) == 1

    delay.assert_called_once_with(referral_id=referral.pk)


@pytest.mark.parametrize(
    "make",
    [
        lambda shop, other: RewardFactory(shop=other),
        lambda shop, other: RewardFactory(shop=shop, active=False),
        lambda shop, other: RewardFactory(shop=shop, kind="variable_amount", points_cost=100),
    ],
    ids=["another shop's", "inactive", "variable amount"],
)
def test_a_reward_that_cannot_be_given_free_is_refused(shop, other_shop, make):
    reward = make(shop, other_shop)

    with pytest.raises(InvalidProgramSettings):
        referral_program_update(shop_id=shop.pk, changes={"referrer_reward_id": reward.pk})

    assert referral_program_update(shop_id=shop.pk, changes={}).referrer_reward_id is None


def test_a_reward_taken_out_of_the_catalog_gives_no_reward_and_says_so(
    store, program, reward, ada_member, ada_code
):
    reward.active = False
    reward.save()

    referral, _order = completed(store, ada_code)

    assert (referral.status, referral.reward_code) == ("completed", "")
    assert "no longer in the catalog" in referral.decision_note


def test_a_reversal_while_the_code_is_being_made_voids_it_straight_after(
    store, dev_shop, program, ada_member, ada_code
):
    from unittest import mock

    from shopify_app import admin_api

    referral, _order = completed(store, ada_code)
    real_mutate = admin_api.mutate

    def create_then_lose_the_race(**kwargs):
        answer = real_mutate(**kwargs)
        if kwargs["field"] == "discountCodeBasicCreate":
            # Meanwhile the refund's worker reversed it, and its void found no code yet.
            Referral.objects.filter(pk=referral.pk).update(
                status="reversed", reward_code_status="voided"
            )
        return answer

    with mock.patch.object(admin_api, "mutate", side_effect=create_then_lose_the_race):
        synced = referral_reward_code_sync(referral_id=referral.pk)

    assert (synced.status, synced.reward_code_status) == ("reversed", "voided")
    code = DevDiscountCode.objects.get(shop=dev_shop, code__iexact=referral.reward_code)
    assert code.deactivated_at is not None


def test_the_task_retries_a_retriable_failure_then_records_that_it_gave_up(
    store, dev_shop, program, ada_member, ada_code
):
    from unittest import mock

    from celery.exceptions import Retry

    from referrals.tasks import MAX_RETRIES
    from referrals.tasks import referral_reward_code_sync as sync_task
    from shopify_app import admin_api
    from shopify_app.exceptions import ShopifyRetriableError

    referral, _order = completed(store, ada_code)
    down = ShopifyRetriableError("Shopify answered 503")

    with mock.patch.object(admin_api, "mutate", autospec=True, side_effect=down):
        with pytest.raises(Retry):
            sync_task.apply(kwargs={"referral_id": referral.pk}, retries=0)
        referral.refresh_from_db()
        assert referral.reward_code_status == "pending"  # still to make
        sync_task.apply(kwargs={"referral_id": referral.pk}, retries=MAX_RETRIES)

    referral.refresh_from_db()
    assert referral.reward_code_status == "failed"
    assert referral.reward_code_error == "gave up: Shopify answered 503"
