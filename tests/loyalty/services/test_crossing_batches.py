"""Two workers' batches of crossing orders never deadlock (issue 15, item 3).

Batch A holds ``orders/paid`` of order 1 and ``refunds/create`` of order 2; batch B the
``orders/paid`` of order 2 and the refund of order 1. Each batch is one transaction, so what its
first delivery locks (order 1's mirror link, its member) is held while its second one runs. If
both have done their first delivery before either reaches its second, A waits for B's order 2
and B for A's order 1: PostgreSQL detects the cycle and aborts one of them (the refund is then
retried later, the "deadlock detected" in ``last_error``).

The test makes that interleaving certain rather than likely, with nothing but real locks: a third
transaction holds uncommitted rows with both refunds' keys, so each batch's refund insert waits
for it right after its first delivery. Once both batches are waiting, that transaction rolls back
and the refund inserts go on. A batch that takes every lock it needs up front, in one global
order, never gets there with the other's locks held: B waits for A at its start instead.

A deadlock would not show in the outcomes: PostgreSQL aborts one statement, the failed group's
savepoint is rolled back and its rows are run one by one, which then succeed. So the test reads
PostgreSQL's own count of deadlocks in this database (``pg_stat_database.deadlocks``) before
and after, and the log of the fallback. Without the up-front locks (``deliveries_links_lock``)
the count goes up by one.
"""

from __future__ import annotations

import logging
import threading
import time
from decimal import Decimal

from django.db import connection, transaction

from loyalty.models import Member, PointsTransaction
from shopify_app.models import Refund
from shopify_app.services.webhooks import ProcessOutcome, webhook_deliveries_process
from tests.factories import ShopFactory
from tests.loyalty.conftest import assert_consistent
from tests.loyalty.shopify import Store

DEADLINE = 30  # seconds: only a hung test ever gets near it


def _waiting_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", [pid]
        )
        return cursor.fetchone()[0]


def _deadlocks() -> int:
    """PostgreSQL's count of deadlocks detected in this database (a backend reports its own by
    the time it has exited)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _gone(*pids: int | None) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [list(pids)])
        return cursor.fetchone()[0] == 0


def _wait_until(condition, what: str) -> None:
    give_up = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < give_up, f"timed out waiting for {what}"
        time.sleep(0.01)


class _Batch(threading.Thread):
    """One worker: its own connection, one ``webhook_deliveries_process`` call."""

    def __init__(self, size: int) -> None:
        super().__init__(daemon=True)
        self.size = size
        self.pid: int | None = None
        self.outcomes: list[ProcessOutcome] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            connection.ensure_connection()
            self.pid = connection.connection.info.backend_pid
            self.outcomes = webhook_deliveries_process(delivery_id=None, batch=self.size)
        except BaseException as exc:  # reported by the test thread
            self.error = exc
        finally:
            connection.close()


def test_two_batches_of_crossing_orders_and_refunds_do_not_deadlock(transactional_db, caplog):
    shop = ShopFactory(domain="crossing.myshopify.com")
    store = Store(shop)
    customers = [store.customer(), store.customer()]
    for customer in customers:
        store.customer_created(customer)  # both members exist; the race is on their orders
    orders = [store.order(customer=c, lines=[(Decimal("100.00"), 1)]) for c in customers]
    refunded = [store.refund(o, subtotal=Decimal("40.00")) for o in orders]
    with store.hold() as held:
        # Claimed in id order, two at a time: A gets paid 1 + refund 2, B paid 2 + refund 1.
        store.paid(orders[0])
        store.refunded(*refunded[1])
        store.paid(orders[1])
        store.refunded(*refunded[0])
    assert len(held) == 4

    caplog.set_level(logging.INFO, logger="shopify_app.services.webhooks")
    deadlocks_before = _deadlocks()
    a, b = _Batch(2), _Batch(2)
    with transaction.atomic():
        # The gate: both refunds' keys taken by an open transaction.
        for order, refund in refunded:
            Refund.objects.create(shop=shop, shopify_id=refund.id, order_shopify_id=order.id)
        a.start()
        _wait_until(lambda: a.pid is not None and _waiting_for_a_lock(a.pid), "batch A to wait")
        b.start()  # its claim skips A's rows
        _wait_until(lambda: b.pid is not None and _waiting_for_a_lock(b.pid), "batch B to wait")
        transaction.set_rollback(True)  # open the gate
    for batch in (a, b):
        batch.join(DEADLINE)
        assert not batch.is_alive(), "a batch hung"
        assert batch.error is None, batch.error
    _wait_until(lambda: _gone(a.pid, b.pid), "both batches' backends to exit")
    assert _deadlocks() == deadlocks_before, "PostgreSQL detected a deadlock between the batches"
    assert not [r for r in caplog.records if "deadlock" in r.getMessage() + str(r.exc_info)]

    outcomes = a.outcomes + b.outcomes
    assert sorted(o.delivery_id for o in outcomes) == sorted(d.pk for d in held)
    assert [(o.status, o.error) for o in outcomes] == [("done", "")] * 4
    # Nothing lost or doubled: per member one earn of 100 and one reversal of 40.
    for member in Member.objects.filter(shop=shop):
        kinds = ("order", "refund_reversal")
        entries = PointsTransaction.objects.filter(member=member, kind__in=kinds)
        assert sorted(e.amount for e in entries) == [-40, 100]
        assert member.balance == 60
    assert Member.objects.filter(shop=shop).count() == 2
    assert_consistent(*Member.objects.filter(shop=shop))
