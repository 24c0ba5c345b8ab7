"""Mirror links survive concurrency: an order and its customer (a refund and its order) written
by two transactions at once end linked, whichever commits first.

Each test runs two real transactions on two connections. The first writes and keeps its
transaction open until the second has written too (or is waiting for a lock the first holds);
then the first commits, then the second. Under READ COMMITTED without the link locks neither
statement sees the other's uncommitted row and the link is lost.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction

from shopify_app.models import Order, Refund
from shopify_app.services import mirror
from tests.factories import ShopFactory

T1 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
DEADLINE = 30  # seconds: only a hung test ever gets near it


def _waiting_for_a_lock(pid: int | None) -> bool:
    if pid is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", [pid]
        )
        return cursor.fetchone()[0]


def _interleave(first: Callable[[], None], second: Callable[[], None]) -> None:
    """Run ``first`` and ``second`` in two transactions that overlap as described above."""
    first_wrote, second_done = threading.Event(), threading.Event()
    second_pid: list[int] = []
    errors: list[BaseException] = []

    def run_first() -> None:
        try:
            with transaction.atomic():
                first()
                first_wrote.set()
                give_up = time.monotonic() + DEADLINE
                while not second_done.is_set() and time.monotonic() < give_up:
                    if _waiting_for_a_lock(second_pid[0] if second_pid else None):
                        break
                    time.sleep(0.005)
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
            first_wrote.set()
        finally:
            connection.close()

    def run_second() -> None:
        try:
            first_wrote.wait(DEADLINE)
            connection.ensure_connection()
            second_pid.append(connection.connection.info.backend_pid)
            with transaction.atomic():
                second()
        except BaseException as exc:
            errors.append(exc)
        finally:
            second_done.set()
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE)
    assert not errors, errors


def _customer(shop):
    return lambda: mirror.customers_upsert(
        shop=shop, rows=[mirror.CustomerRow(shopify_id=7, email="ada@example.com", updated_at=T1)]
    )


def _order(shop):
    return lambda: mirror.orders_upsert(
        shop=shop,
        rows=[
            mirror.OrderRow(
                shopify_id=70, currency="USD", customer_shopify_id=7, updated_at=T1,
                total_price=Decimal("10"),
            )
        ],
    )  # fmt: skip


def _refund(shop):
    return lambda: mirror.refunds_upsert(
        shop=shop, rows=[mirror.RefundRow(shopify_id=700, order_shopify_id=70, amount=Decimal("4"))]
    )


@pytest.mark.parametrize("order_first", [True, False], ids=["order-first", "customer-first"])
def test_order_and_customer_written_concurrently_end_linked(transactional_db, order_first):
    shop = ShopFactory()
    order, customer = _order(shop), _customer(shop)

    _interleave(*((order, customer) if order_first else (customer, order)))

    linked = Order.objects.select_related("customer").get(shop=shop, shopify_id=70)
    assert linked.customer is not None and linked.customer.shopify_id == 7


@pytest.mark.parametrize("refund_first", [True, False], ids=["refund-first", "order-first"])
def test_refund_and_order_written_concurrently_end_linked(transactional_db, refund_first):
    shop = ShopFactory()
    refund, order = _refund(shop), _order(shop)

    _interleave(*((refund, order) if refund_first else (order, refund)))

    assert Refund.objects.get(shop=shop, shopify_id=700).order.shopify_id == 70
