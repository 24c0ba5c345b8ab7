"""Reconciliation repairs what lost webhooks left behind, through the webhook handlers.

devshop's shop here has no webhook subscriptions, so every change made in devshop after the
initial sync is a webhook that never arrived.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from devshop.services import customers as dev_customers
from devshop.services import orders as dev_orders
from devshop.services.orders import LineInput
from shopify_app.models import Customer, Order, Refund, SyncRun, WebhookDelivery
from shopify_app.services.webhooks import webhook_deliveries_process
from shopify_app.sync.reconcile import GRACE, sync_reconcile
from tests.shopify_app.sync.conftest import sync_all


@pytest.fixture
def synced(app_shop, devshop):
    ada = dev_customers.customer_create(shop=devshop.shop, first_name="Ada", email="a@example.com")
    order = dev_orders.order_create(
        shop=devshop.shop, customer=ada, lines=[LineInput("Tea", Decimal("8.00"), 2)]
    )
    sync_all(app_shop)
    # Shopify's updated_at has whole seconds: later changes must fall in a later second to be
    # told apart from the synced state (as they are on a real shop).
    devshop.advance(2)
    return {"ada": ada, "order": order}


def _later():
    """A moment when the changes just made are older than the grace left to webhooks."""
    return timezone.now() + GRACE + timedelta(minutes=1)


def _reconcile_all(shop, now):
    return [sync_reconcile(shop=shop, resource=r, now=now) for r in ("customers", "orders")]


def test_lost_webhooks_are_repaired_through_the_inbox(app_shop, devshop, synced):
    dev_customers.customer_update(customer=synced["ada"], email="ada@example.com")
    bea = dev_customers.customer_create(shop=devshop.shop, first_name="Bea")
    new_order = dev_orders.order_create(
        shop=devshop.shop, customer=bea, lines=[LineInput("Pot", Decimal("30.00"))]
    )
    tea = synced["order"].line_items.get()
    refund = dev_orders.order_refund(order=synced["order"], lines=[(tea.id, 1)])

    customers_run, orders_run = _reconcile_all(app_shop, _later())
    webhook_deliveries_process(delivery_id=None, batch=100)

    assert customers_run.status == orders_run.status == SyncRun.Status.COMPLETED
    topics = sorted(WebhookDelivery.objects.filter(shop=app_shop).values_list("topic", "status"))
    assert topics == [
        ("customers/update", "done"), ("customers/update", "done"),
        ("orders/updated", "done"), ("orders/updated", "done"), ("refunds/create", "done"),
    ]  # fmt: skip
    assert Customer.objects.get(shop=app_shop, shopify_id=synced["ada"].id).email == (
        "ada@example.com"
    )
    mirrored = Order.objects.get(shop=app_shop, shopify_id=new_order.id)
    assert mirrored.customer.shopify_id == bea.id
    assert mirrored.total_price == Decimal("30.00")
    old = Order.objects.get(shop=app_shop, shopify_id=synced["order"].id)
    assert old.financial_status == "partially_refunded"
    repaired = Refund.objects.get(shop=app_shop, shopify_id=refund.id)
    assert repaired.order == old
    assert repaired.amount == refund.amount
    assert [line["line_item_id"] for line in repaired.refund_line_items] == [tea.id]


def test_a_lost_refund_brings_its_shipping_gift_cards_and_transactions(app_shop, devshop):
    order = dev_orders.order_create(
        shop=devshop.shop, customer=None, shipping=Decimal("5"),
        lines=[LineInput("Tea", Decimal("8.00")), LineInput("Card", Decimal("20"), gift_card=True)],
    )  # fmt: skip
    sync_all(app_shop)
    devshop.advance(2)
    card = order.line_items.get(title="Card")
    refund = dev_orders.order_refund(order=order, lines=[(card.id, 1)], shipping=Decimal("5"))

    _reconcile_all(app_shop, _later())
    webhook_deliveries_process(delivery_id=None, batch=100)

    repaired = Refund.objects.get(shop=app_shop, shopify_id=refund.id)
    assert repaired.amount == refund.amount == Decimal("25.00")
    assert repaired.shipping_refunded == Decimal("5")
    assert [(line["line_item_id"], line["gift_card"]) for line in repaired.refund_line_items] == [
        (card.id, True)
    ]
    assert repaired.processed_at == refund.processed_at.replace(microsecond=0)


def test_nothing_to_repair_when_webhooks_arrived(app_shop, synced):
    customers_run, orders_run = _reconcile_all(app_shop, _later())

    assert customers_run.records_processed == orders_run.records_processed == 0
    assert not WebhookDelivery.objects.filter(shop=app_shop).exists()


def test_the_same_window_twice_delivers_once(app_shop, devshop, synced):
    dev_customers.customer_update(customer=synced["ada"], email="ada@example.com")
    now = _later()
    first = sync_reconcile(shop=app_shop, resource="customers", now=now)
    # Forget the watermark, as if the run had crashed before completing.
    SyncRun.objects.filter(pk=first.pk).update(status=SyncRun.Status.FAILED)

    again = sync_reconcile(shop=app_shop, resource="customers", now=now)

    assert (first.records_processed, again.records_processed) == (1, 0)
    assert WebhookDelivery.objects.filter(shop=app_shop).count() == 1


def test_watermark_moves_and_empty_windows_are_skipped(app_shop, synced):
    now = _later()
    run = sync_reconcile(shop=app_shop, resource="orders", now=now)

    assert run.watermark == now - GRACE
    assert sync_reconcile(shop=app_shop, resource="orders", now=now) is None


def test_waits_for_an_active_initial_sync(app_shop):
    from shopify_app.sync import services

    services.sync_initial_start(shop=app_shop)

    assert sync_reconcile(shop=app_shop, resource="orders", now=_later()) is None
