"""Points for orders through the real inbox: earning, holds, refunds, cancellations, and
duplicated or out-of-order deliveries converging on one right balance."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from loyalty.models import Member, OrderPoints, PointsReversal, PointsTransaction
from loyalty.services.earning import (
    register_multiplier_provider,
    unregister_multiplier_provider,
)
from loyalty.services.ledger import points_post_due
from loyalty.services.program import program_settings_update
from tests.loyalty.conftest import assert_consistent
from tests.loyalty.shopify import Store


@pytest.fixture
def store(shop):
    return Store(shop)


def member_of(store, customer) -> Member:
    return Member.objects.get(shop=store.shop, customer__shopify_id=customer.id)


def balance(store, customer) -> tuple[int, int]:
    m = member_of(store, customer)
    return m.balance, m.pending


def test_a_paid_order_earns_points_per_currency_unit_rounded_down(store):
    program_settings_update(shop_id=store.shop.pk, points_per_unit=Decimal("1.5"))
    customer = store.customer()
    order = store.order(customer=customer, lines=[(Decimal("33.33"), 1)])

    delivery = store.paid(order)

    assert delivery.status == "done", delivery.last_error
    assert balance(store, customer) == (49, 0)  # 33.33 x 1.5 = 49.995 → 49
    entry = PointsTransaction.objects.get(idempotency_key=f"order:{order.id}:earn")
    assert (entry.kind, entry.status, entry.amount) == ("order", "posted", 49)
    assert_consistent(member_of(store, customer))


def test_discounts_are_excluded_and_shipping_and_tax_only_when_chosen(store):
    customer = store.customer()
    # 2 x 50.00 with a 5.00 code: 95.00 earns, not 100.00.
    order = store.order(
        customer=customer,
        lines=[(Decimal("50.00"), 2)],
        shipping=Decimal("10"),
        tax=Decimal("8"),
        codes=("SAVE5",),
    )
    store.paid(order)
    assert balance(store, customer) == (95, 0)

    program_settings_update(shop_id=store.shop.pk, include_shipping=True, include_tax=True)
    second = store.order(
        customer=customer,
        lines=[(Decimal("50.00"), 2)],
        shipping=Decimal("10"),
        tax=Decimal("8"),
        codes=("SAVE5",),
    )
    store.paid(second)
    assert balance(store, customer) == (95 + 95 + 10 + 8, 0)


def test_gift_cards_earn_nothing_by_default(store):
    customer = store.customer()
    store.paid(store.order(customer=customer, gift_card=Decimal("50.00")))

    assert balance(store, customer) == (100, 0)


def test_orders_under_the_minimum_earn_nothing(store):
    program_settings_update(shop_id=store.shop.pk, minimum_order=Decimal("150"))
    customer = store.customer()
    store.paid(store.order(customer=customer))

    assert balance(store, customer) == (0, 0)
    assert not OrderPoints.objects.exists()


def test_orders_without_a_customer_earn_nothing(store):
    delivery = store.paid(store.order(customer=None))

    assert delivery.status == "done", delivery.last_error
    assert not PointsTransaction.objects.exists()


def test_opt_in_programs_do_not_enrol_on_an_order(store):
    program_settings_update(shop_id=store.shop.pk, enrolment="opt_in")
    store.paid(store.order(customer=store.customer()))

    assert not Member.objects.exists()


def test_excluded_members_earn_nothing(store):
    from loyalty.services.members import member_exclude

    customer = store.customer()
    store.paid(store.order(customer=customer))
    member_exclude(member=member_of(store, customer), reason="staff")

    store.paid(store.order(customer=customer))

    assert balance(store, customer) == (100, 0)


def test_the_multiplier_hook_scales_order_points(store):
    def double_for_vips(*, member, kind):
        return Decimal(2) if kind == "order" else Decimal(1)

    register_multiplier_provider(double_for_vips)
    try:
        customer = store.customer()
        store.paid(store.order(customer=customer, lines=[(Decimal("10.50"), 1)]))
    finally:
        unregister_multiplier_provider(double_for_vips)

    assert balance(store, customer) == (21, 0)


def test_with_a_hold_period_points_are_pending_until_the_job_posts_them(store):
    program_settings_update(shop_id=store.shop.pk, hold_days=14)
    customer = store.customer()
    order = store.order(customer=customer)
    store.paid(order)
    assert balance(store, customer) == (0, 100)

    points_post_due(now=order.processed_at + timedelta(days=13, hours=23))
    assert balance(store, customer) == (0, 100)
    points_post_due(now=order.processed_at + timedelta(days=14))
    assert balance(store, customer) == (100, 0)
    assert_consistent(member_of(store, customer))


def test_partial_refunds_reverse_the_refunded_share_of_the_points_awarded(store):
    customer = store.customer()
    order = store.order(customer=customer, lines=[(Decimal("30.00"), 1), (Decimal("70.00"), 1)])
    store.paid(order)
    # The rate changes after the order: reversals still use the points actually awarded.
    program_settings_update(shop_id=store.shop.pk, points_per_unit=Decimal(10))

    order, first = store.refund(order, line=0, subtotal=Decimal("30.00"))
    store.refunded(order, first)
    assert balance(store, customer) == (70, 0)

    order, second = store.refund(order, line=1, subtotal=Decimal("70.00"))
    store.refunded(order, second)
    assert balance(store, customer) == (0, 0)
    assert_consistent(member_of(store, customer))


def test_partial_refunds_add_up_to_exactly_the_award(store):
    customer = store.customer()
    order = store.order(customer=customer, lines=[(Decimal("10.00"), 3)])  # 30 points
    store.paid(order)
    for _ in range(3):
        order, refund = store.refund(order, subtotal=Decimal("10.00"))
        store.refunded(order, refund)

    assert balance(store, customer) == (0, 0)
    op = OrderPoints.objects.get()
    assert (op.awarded, op.reversed_target, op.reversed) == (30, 30, 30)


def test_a_refund_after_the_points_were_spent_never_goes_below_zero(store, member):
    from loyalty.services.ledger import points_adjust

    customer = store.customer()
    order = store.order(customer=customer)
    store.paid(order)
    m = member_of(store, customer)
    points_adjust(member=m, points=-80, reason="spent", created_by="t", idempotency_key="s")

    order, refund = store.refund(order, subtotal=Decimal("100.00"))
    store.refunded(order, refund)

    assert balance(store, customer) == (0, 0)
    reversal = PointsReversal.objects.get()
    assert (reversal.requested, reversal.reversed, reversal.shortfall) == (100, 20, 80)
    from loyalty.selectors import member_shortfall

    assert member_shortfall(shop=store.shop, member=m) == 80
    assert_consistent(m)


def test_a_refund_during_the_hold_reduces_the_pending_points(store):
    program_settings_update(shop_id=store.shop.pk, hold_days=30)
    customer = store.customer()
    order = store.order(customer=customer)
    store.paid(order)
    order, refund = store.refund(order, subtotal=Decimal("25.00"))
    store.refunded(order, refund)
    assert balance(store, customer) == (0, 75)

    points_post_due(now=order.processed_at + timedelta(days=31))

    assert balance(store, customer) == (75, 0)
    assert_consistent(member_of(store, customer))


def test_cancelling_during_the_hold_voids_the_earn(store):
    program_settings_update(shop_id=store.shop.pk, hold_days=30)
    customer = store.customer()
    order = store.order(customer=customer)
    store.paid(order)

    store.order_event("orders/cancelled", store.cancel(order))

    assert balance(store, customer) == (0, 0)
    earn = PointsTransaction.objects.get(idempotency_key=f"order:{order.id}:earn")
    assert earn.status == "void"
    assert points_post_due(now=order.processed_at + timedelta(days=31)) == 0


def test_cancelling_after_posting_reverses_fully(store):
    customer = store.customer()
    order = store.order(customer=customer)
    store.paid(order)
    order, refund = store.refund(order, subtotal=Decimal("40.00"))
    store.refunded(order, refund)

    store.order_event("orders/cancelled", store.cancel(order))

    assert balance(store, customer) == (0, 0)
    kinds = sorted(PointsTransaction.objects.filter(amount__lt=0).values_list("kind", "amount"))
    assert kinds == [("cancel_reversal", -60), ("refund_reversal", -40)]
    assert_consistent(member_of(store, customer))


def test_duplicated_deliveries_count_once(store):
    customer = store.customer()
    order = store.order(customer=customer)
    for _ in range(3):
        store.paid(order)  # Shopify retries with new webhook ids on re-subscription
    store.paid(order, webhook_id="same")
    store.paid(order, webhook_id="same")
    store.order_event("orders/updated", order)
    order, refund = store.refund(order, subtotal=Decimal("50.00"))
    store.refunded(order, refund)
    store.refunded(order, refund)
    store.order_event("orders/updated", order)

    assert balance(store, customer) == (50, 0)
    assert PointsTransaction.objects.count() == 2


def test_a_refund_before_the_paid_order_is_applied_when_the_order_arrives(store):
    customer = store.customer()
    order = store.order(customer=customer)
    refunded_order, refund = store.refund(order, subtotal=Decimal("30.00"))

    store.refunded(refunded_order, refund)
    assert not Member.objects.exists() or balance(store, customer) == (0, 0)
    store.paid(order)  # the older state arrives late

    assert balance(store, customer) == (70, 0)
    assert_consistent(member_of(store, customer))


def test_an_order_cancelled_before_it_was_paid_earns_nothing(store):
    customer = store.customer()
    order = store.order(customer=customer)

    store.order_event("orders/cancelled", store.cancel(order))
    store.paid(order)  # older state, delivered late: the mirror keeps the cancellation

    assert not PointsTransaction.objects.exists()


def test_an_updated_order_seen_before_paid_earns_once(store):
    customer = store.customer()
    order = store.order(customer=customer)

    store.order_event("orders/updated", order)
    store.paid(order)

    assert balance(store, customer) == (100, 0)
    assert PointsTransaction.objects.count() == 1
