"""Races on real PostgreSQL with real threads: each thread has its own connection and its own
transactions, as concurrent web requests and workers do."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models import Sum

from devshop.models import DevDiscountCode
from devshop.testing import BASE_URL, InProcessAdapter
from loyalty.exceptions import InsufficientPoints
from loyalty.models import Member, PointsTransaction, Redemption
from loyalty.services.redemption import redemption_issue, reward_redeem
from shopify_app import http as app_http
from tests.factories import RewardFactory, ShopFactory
from tests.loyalty.conftest import assert_consistent, credit, devshop_connect, devshop_member

ATTEMPTS = 200
THREADS = 40  # PostgreSQL allows 100 connections; 40 concurrent ones contend plenty


@pytest.mark.django_db(transaction=True)
def test_200_concurrent_redemptions_against_a_balance_good_for_10():
    shop = ShopFactory(domain="race-shop.myshopify.com")
    adapter = InProcessAdapter()
    app_http.session.mount(f"{BASE_URL}/", adapter)
    try:
        dev_shop = devshop_connect(shop)
        member = devshop_member(shop, dev_shop)
        credit(member, 5000, "seed")
        reward = RewardFactory(shop=shop, points_cost=500)
        start = threading.Barrier(THREADS)

        def redeem(i: int) -> str:
            try:
                if i < THREADS:
                    start.wait()
                reward_redeem(member=member, reward=reward)
                return "ok"
            except InsufficientPoints:
                return "refused"
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            outcomes = list(pool.map(redeem, range(ATTEMPTS)))

        # What the code promises (the balance CHECK alone would only forbid going below 0):
        # exactly ten redemptions, each with its debit, and a balance equal to the ledger.
        assert outcomes.count("ok") == 10
        assert outcomes.count("refused") == ATTEMPTS - 10
        assert Redemption.objects.filter(member=member).count() == 10
        ledger = PointsTransaction.objects.filter(member=member, status="posted").aggregate(
            total=Sum("amount")
        )
        member.refresh_from_db()
        assert member.balance == ledger["total"] == 0
        assert_consistent(member)

        # Each redemption becomes exactly one code in Shopify (devshop).
        for redemption in Redemption.objects.filter(member=member):
            assert redemption_issue(redemption_id=str(redemption.pk)).status == "issued"
        assert DevDiscountCode.objects.filter(shop=dev_shop).count() == 10
    finally:
        app_http.session.adapters.pop(f"{BASE_URL}/", None)


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_order_deliveries_earn_once():
    from decimal import Decimal

    from loyalty.models import PointsTransaction
    from tests.loyalty.shopify import Store

    shop = ShopFactory(domain="dup-shop.myshopify.com")
    store = Store(shop)
    customer = store.customer()
    order = store.order(customer=customer, lines=[(Decimal("40.00"), 1)])
    store.customer_created(customer)  # the member exists; the race is on the order
    barrier = threading.Barrier(8)

    def deliver(_: int) -> None:
        try:
            barrier.wait()
            store.paid(order)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(deliver, range(8)))

    member = Member.objects.get(shop=shop)
    assert member.balance == 40
    assert PointsTransaction.objects.filter(kind="order").count() == 1
    assert_consistent(member)
