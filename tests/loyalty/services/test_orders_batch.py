"""Order webhooks processed in batches: the same points as one by one, at a cost in queries
that does not grow with the batch, with a bad delivery isolated from the rest."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from loyalty.models import Member, OrderPoints, PointsReversal, PointsTransaction
from loyalty.services.ledger import points_post_due
from loyalty.services.program import program_settings_get, program_settings_update
from referrals.services.program import referral_program_get
from shopify_app.models import WebhookDelivery
from shopify_app.services import webhooks
from shopify_app.services.webhooks import webhook_deliveries_process
from shopify_app.webhooks import registry
from tests.factories import ShopFactory
from tests.loyalty.conftest import assert_consistent
from tests.loyalty.shopify import Store

# Statements for one batch of orders/paid, whatever its size: the claim, the batch's link locks
# (one statement), the mirror upserts (with their savepoints), the loyalty reads, locks and
# writes, the done mark; enrolling the members adds their insert, the read of the signup rule
# and the program settings. The VIP club's handler adds one: whether the shop has a club (this
# shop has none). The last 3 are referrals' set-based handler (its program, the referrals and
# the referrer codes the batch may concern), whatever the batch's size too.
BATCH_QUERIES = {"members": 28 + 3, "new-members": 31 + 3}


@pytest.fixture
def store(shop):
    return Store(shop)


@pytest.fixture
def set_based(caplog):
    """Fails the test if a batch fell back to one delivery at a time: that path gives the right
    points too, so a test of the set-based path must check that it was the one that ran."""
    caplog.set_level(logging.INFO, logger=webhooks.__name__)
    yield
    assert not [r for r in caplog.get_records("call") if "one by one" in r.getMessage()]


def ledger_state(shop) -> dict:
    """Everything the points program holds for a shop, keyed by Shopify ids (comparable across
    shops that received the same webhooks)."""
    members = {
        m.customer.shopify_id: (m.balance, m.pending, m.lifetime_earned, m.state)
        for m in Member.objects.filter(shop=shop).select_related("customer")
    }
    entries = sorted(
        (e.idempotency_key, e.amount, e.kind, e.status, e.member.customer.shopify_id)
        for e in PointsTransaction.objects.filter(shop=shop).select_related("member__customer")
    )
    orders = sorted(
        (op.order_shopify_id, op.awarded, op.reversed_target, op.reversed, op.cancelled)
        for op in OrderPoints.objects.filter(shop=shop)
    )
    reversals = sorted(
        (r.idempotency_key, r.requested, r.reversed, r.shortfall)
        for r in PointsReversal.objects.filter(shop=shop)
    )
    return {"members": members, "entries": entries, "orders": orders, "reversals": reversals}


@pytest.mark.parametrize("members_exist", [True, False], ids=["members", "new-members"])
def test_a_batch_of_orders_costs_the_same_queries_whatever_its_size(
    store, members_exist, django_assert_max_num_queries, set_based
):
    def store_orders(customers: list) -> None:
        with store.hold():
            for c in customers:
                store.paid(store.order(customer=c))

    def process(size: int) -> None:
        outcomes = webhook_deliveries_process(delivery_id=None, batch=size)
        assert [o.status for o in outcomes] == ["done"] * size

    program_settings_get(shop_id=store.shop.pk)  # created on first use: not part of a batch
    referral_program_get(shop_id=store.shop.pk)  # likewise referrals' settings
    counts = []
    for size in (4, 40):
        customers = [store.customer() for _ in range(size)]
        if members_exist:
            store_orders(customers)
            process(size)
        store_orders(customers)
        bound = BATCH_QUERIES["members" if members_exist else "new-members"]
        with django_assert_max_num_queries(bound) as queries:
            process(size)
        counts.append(len(queries))

    # Structural, not a timing: a batch ten times larger costs exactly as many statements.
    assert counts[0] == counts[1]
    earned = 200 if members_exist else 100
    assert {m.balance for m in Member.objects.filter(shop=store.shop)} == {earned}


def _scenario(store: Store, customers: list):
    """Paid, updated, refunded and cancelled orders, duplicated and out of order: a function
    that sends them all to a store (the same webhooks to any shop)."""
    a, b, c = customers
    o1 = store.order(customer=a, lines=[(Decimal("80.00"), 1), (Decimal("20.00"), 1)])
    o2 = store.order(customer=a, lines=[(Decimal("35.50"), 2)])
    o3 = store.order(customer=b)
    o4 = store.order(customer=None)
    o5 = store.order(customer=c)
    o1_refunded, refund = store.refund(o1, subtotal=Decimal("20.00"))
    o3_cancelled = store.cancel(o3)
    o5_unpaid = replace(o5, financial_status="pending")

    def send_all(to: Store) -> None:
        to.refunded(o1_refunded, refund)  # the refund before the order was paid
        to.paid(o1, webhook_id="o1-paid")
        to.paid(o1, webhook_id="o1-paid-again")  # a second subscription: another id
        to.paid(o2)
        to.order_event("orders/updated", o2)  # another topic for the same order
        to.paid(o3)
        to.order_event("orders/cancelled", o3_cancelled)
        to.paid(o4)
        to.order_event("orders/updated", o5_unpaid)
        to.order_event("orders/updated", o1_refunded)

    return send_all


@pytest.mark.parametrize("hold_days", [0, 14])
def test_a_batch_gives_the_points_that_one_by_one_processing_gives(db, hold_days, set_based):
    one_by_one = Store(ShopFactory(domain="one-by-one.myshopify.com"))
    batched = Store(ShopFactory(domain="batched.myshopify.com"))
    for store in (one_by_one, batched):
        program_settings_update(shop_id=store.shop.pk, hold_days=hold_days)
    customers = [one_by_one.customer() for _ in range(3)]
    send_all = _scenario(one_by_one, customers)

    send_all(one_by_one)
    with batched.batch() as outcomes:
        send_all(batched)

    assert {o.status for o in outcomes} == {"done"}, outcomes
    expected = ledger_state(one_by_one.shop)
    assert ledger_state(batched.shop) == expected
    # a: 100 + 71 earned, 20 of o1's 100 refunded; b's order cancelled; c's not paid.
    a, b, c = (x.id for x in customers)
    assert expected["members"][a][:2] == ((151, 0) if hold_days == 0 else (0, 151))
    assert expected["members"][b][:2] == (0, 0)
    assert c not in expected["members"]
    assert_consistent(*Member.objects.filter(shop__in=[one_by_one.shop, batched.shop]))


def test_held_points_earned_in_a_batch_post_when_the_hold_ends(store, set_based):
    program_settings_update(shop_id=store.shop.pk, hold_days=14)
    customer = store.customer()
    with store.batch():
        store.paid(store.order(customer=customer))
        store.paid(store.order(customer=customer))
    member = Member.objects.get(shop=store.shop)
    assert (member.balance, member.pending) == (0, 200)

    points_post_due(now=store.clock + timedelta(days=15))

    member.refresh_from_db()
    assert (member.balance, member.pending, member.lifetime_earned) == (200, 0, 200)
    assert_consistent(member)


def test_a_bad_delivery_fails_alone_and_the_rest_of_the_batch_is_done(store):
    customers = [store.customer() for _ in range(3)]
    with store.batch() as outcomes:
        good = [store.paid(store.order(customer=c)) for c in customers]
        bad = store.send("orders/paid", {"id": 1})  # no currency: unreadable

    statuses = {o.delivery_id: o.status for o in outcomes}
    assert statuses == {**{d.pk: "done" for d in good}, bad.pk: "failed"}
    bad.refresh_from_db()
    assert bad.last_error.startswith("invalid payload")
    assert [m.balance for m in Member.objects.filter(shop=store.shop)] == [100, 100, 100]


def test_a_failing_handler_leaves_its_delivery_for_a_retry_and_the_rest_done(store):
    customers = [store.customer() for _ in range(3)]
    broken_order = store.order(customer=customers[1])

    def breaks_on_one_order(*, shop, payload, delivery):
        if payload["id"] == broken_order.id:
            raise RuntimeError("handler bug")

    registry.register_handler("orders/paid", breaks_on_one_order)
    try:
        with store.batch() as outcomes:
            first = store.paid(store.order(customer=customers[0]))
            broken = store.paid(broken_order)
            last = store.paid(store.order(customer=customers[2]))
    finally:
        registry._handlers["orders/paid"].remove(breaks_on_one_order)

    statuses = {o.delivery_id: (o.status, o.retry) for o in outcomes}
    assert statuses == {
        first.pk: ("done", False),
        broken.pk: ("pending", True),
        last.pk: ("done", False),
    }
    balances = {m.customer.shopify_id: m.balance for m in Member.objects.filter(shop=store.shop)}
    assert balances == {customers[0].id: 100, customers[2].id: 100}  # the bug undid its member

    [retried] = webhook_deliveries_process(delivery_id=broken.pk, batch=0)

    assert retried.status == "done"
    assert Member.objects.get(customer__shopify_id=customers[1].id).balance == 100
    assert_consistent(*Member.objects.filter(shop=store.shop))


@pytest.mark.django_db(transaction=True)
def test_two_workers_batches_over_the_same_members_in_opposite_orders_earn_once(set_based):
    store = Store(ShopFactory(domain="two-workers.myshopify.com"))
    customers = [store.customer() for _ in range(8)]
    with store.batch():  # the members exist, as in steady traffic
        for c in customers:
            store.paid(store.order(customer=c))
    with store.hold() as deliveries:  # stored only: the two workers below claim them
        for c in customers:
            store.paid(store.order(customer=c))
        for c in reversed(customers):
            store.paid(store.order(customer=c))
    start = threading.Barrier(2)
    outcomes: list = []

    def worker() -> None:
        try:
            start.wait()
            outcomes.extend(webhook_deliveries_process(delivery_id=None, batch=8))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(o.delivery_id for o in outcomes) == sorted(d.pk for d in deliveries)
    assert {(o.status, o.attempts) for o in outcomes} == {("done", 1)}
    assert not WebhookDelivery.objects.exclude(status="done").exists()
    members = list(Member.objects.filter(shop=store.shop))
    assert {m.balance for m in members} == {300}
    assert_consistent(*members)


def _issued_codes(shop, n: int) -> list[str]:
    """``n`` issued redemptions (one member each); their codes."""
    from loyalty.models import Redemption
    from loyalty.services.redemption import reward_redeem
    from tests.factories import MemberFactory, RewardFactory
    from tests.loyalty.conftest import credit

    reward = RewardFactory(shop=shop, points_cost=100)
    codes = []
    for _ in range(n):
        member = MemberFactory(shop=shop)
        credit(member, 100, f"seed:{member.pk}")
        codes.append(reward_redeem(member=member, reward=reward).code)
    Redemption.objects.filter(code__in=codes).update(status="issued")
    return codes


def _deliveries(shop, uses: list[tuple[int, list[str]]]) -> list[WebhookDelivery]:
    return [
        WebhookDelivery(
            shop=shop,
            webhook_id=f"codes-{order_id}-{n}",
            topic="orders/updated",
            payload={"id": order_id, "discount_codes": [{"code": c} for c in codes]},
        )
        for n, (order_id, codes) in enumerate(uses)
    ]


def test_a_batch_marks_the_codes_its_orders_used_in_statements_that_do_not_grow(shop):
    from django.test.utils import CaptureQueriesContext

    from loyalty.handlers import orders_changed
    from loyalty.models import Redemption

    counts = []
    for size in (3, 30):
        codes = _issued_codes(shop, size)
        uses = [(9_000_000 + size * 100 + i, [code.lower()]) for i, code in enumerate(codes)]
        with CaptureQueriesContext(connection) as queries:
            orders_changed(shop=shop, deliveries=_deliveries(shop, uses))
        counts.append(len(queries))
        used = dict(
            Redemption.objects.filter(code__in=codes).values_list("code", "used_order_shopify_id")
        )
        assert used == {code: order_id for (order_id, _), code in zip(uses, codes, strict=True)}
        assert set(Redemption.objects.filter(code__in=codes).values_list("status", flat=True)) == {
            "used"
        }

    assert counts[0] == counts[1]


def test_a_code_two_orders_of_a_batch_used_is_marked_with_the_first(shop):
    from loyalty.handlers import orders_changed
    from loyalty.models import Redemption

    shared, own = _issued_codes(shop, 2)
    deliveries = _deliveries(shop, [(71, [" " + shared, "", "NOPE"]), (72, [shared, own])])

    orders_changed(shop=shop, deliveries=deliveries)
    orders_changed(shop=shop, deliveries=deliveries)  # a redelivery changes nothing

    used = dict(
        Redemption.objects.filter(code__in=[shared, own]).values_list(
            "code", "used_order_shopify_id"
        )
    )
    assert used == {shared: 71, own: 72}
