"""The nightly job racing order webhooks, on real PostgreSQL with real threads (each its own
connection): no deadlock, no decision on a stale basis, one entry reward per member."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from loyalty.models import PointsTransaction
from loyalty.vip.models import TierChange
from loyalty.vip.services import member_tiers_evaluate
from shopify_app.services.webhooks import webhook_deliveries_process
from tests.factories import ShopFactory
from tests.loyalty.shopify import Store
from tests.loyalty.vip.conftest import configure, member_of, tier, tier_of

CUSTOMERS = 8
NIGHTLY_RUNS = 4


@pytest.mark.django_db(transaction=True)
def test_nightly_runs_racing_order_webhooks_end_in_one_consistent_state():
    shop = ShopFactory(domain="vip-race.myshopify.com")
    configure(shop, tier("Gold", 1, "200", entry_points=50, multiplier=Decimal("1.5")))
    store = Store(shop)
    customers = [store.customer() for _ in range(CUSTOMERS)]
    for customer in customers:
        store.paid(store.order(customer=customer))  # $100: not Gold yet
    second = [store.order(customer=c) for c in customers]  # each one's $200th
    start = threading.Barrier(CUSTOMERS + NIGHTLY_RUNS)

    def work(i: int) -> str:
        try:
            start.wait()
            if i < CUSTOMERS:
                delivery = store.paid(second[i])
                # A worker's claim of one delivery skips it while another delivery of the same
                # shop is being processed (the sweeper's retry, in production): retry as it does.
                for _ in range(200):
                    if delivery.status != "pending":
                        break
                    time.sleep(0.02)
                    webhook_deliveries_process(delivery_id=delivery.pk, batch=0)
                    delivery.refresh_from_db()
                return f"{delivery.status}{delivery.last_error}"
            member_tiers_evaluate(shop=shop)
            return "nightly"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=CUSTOMERS + NIGHTLY_RUNS) as pool:
        outcomes = list(pool.map(work, range(CUSTOMERS + NIGHTLY_RUNS)))

    assert outcomes == ["done"] * CUSTOMERS + ["nightly"] * NIGHTLY_RUNS
    members = [member_of(store, c) for c in customers]
    assert [tier_of(m) for m in members] == ["Gold"] * CUSTOMERS
    for member in members:
        assert PointsTransaction.objects.filter(member=member, kind="tier_bonus").count() == 1
        assert TierChange.objects.filter(member=member).count() == 1
    assert member_tiers_evaluate(shop=shop) == []  # nothing left undecided


@pytest.mark.django_db(transaction=True)
def test_the_nightly_job_decides_on_an_earn_committed_while_it_waited():
    from datetime import UTC, datetime, timedelta

    from django.db import transaction

    from loyalty.services.ledger import entry_write, member_lock
    from tests.factories import MemberFactory
    from tests.loyalty.conftest import credit

    shop = ShopFactory(domain="vip-stale.myshopify.com")
    earned = datetime(2025, 1, 10, tzinfo=UTC)
    member = MemberFactory(shop=shop)
    credit(member, 200, "old", earned_at=earned)
    configure(
        shop,
        tier("Gold", 1, "200", basis="points", period="rolling_12_months"),
        downgrade="grace",
        grace_days=1,
        now=earned + timedelta(hours=1),
    )
    below = earned + timedelta(days=375)  # the old points left the window; the term is over
    member_tiers_evaluate(shop=shop, now=below)
    assert tier_of(member) == "Gold"  # grace
    nightly_at = below + timedelta(days=2)  # the grace is over: the nightly run moves it down…
    written = threading.Event()

    def earn() -> None:
        # …unless points land meanwhile: an earn holding the member's lock, committing late.
        try:
            with transaction.atomic():
                locked = member_lock(member_id=member.pk)
                entry_write(
                    member=locked,
                    amount=300,
                    kind="adjustment",
                    idempotency_key="late",
                    earned_at=nightly_at - timedelta(hours=1),
                )
                written.set()
                time.sleep(0.5)
        finally:
            connection.close()

    def nightly() -> None:
        try:
            written.wait()
            member_tiers_evaluate(shop=shop, now=nightly_at)
        finally:
            connection.close()

    threads = [threading.Thread(target=earn), threading.Thread(target=nightly)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # It waited for the member's lock and decided on the 300 points: Gold, grace cleared.
    assert tier_of(member) == "Gold"
    assert not TierChange.objects.filter(member=member, reason="downgraded").exists()
