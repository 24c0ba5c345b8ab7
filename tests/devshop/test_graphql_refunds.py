"""Refund and line-item fields the sync reads: isGiftCard, processedAt, transactions and
refundShippingLines, agreeing with what devshop's refunds/create webhook says."""

from __future__ import annotations

import json
from decimal import Decimal

from devshop.services import customers, orders
from devshop.services.orders import LineInput
from devshop.webhooks.models import DevWebhookDelivery

ORDER = """query($id: ID!) { order(id: $id) {
  lineItems(first: 5) { nodes { title isGiftCard } }
  refunds {
    id processedAt createdAt
    transactions(first: 5) { nodes { id kind status amountSet { shopMoney { amount } } } }
    refundShippingLines(first: 5) {
      nodes { subtotalAmountSet { shopMoney { amount } } taxAmountSet { shopMoney { amount } } }
    }
  }
} }"""


def test_gift_cards_refund_transactions_and_shipping(devshop):
    alice = customers.customer_create(shop=devshop.shop, email="alice@example.com")
    order = orders.order_create(
        shop=devshop.shop,
        customer=alice,
        lines=[
            LineInput("Tea", Decimal("10")),
            LineInput("Gift card", Decimal("25"), gift_card=True),
        ],
        shipping=Decimal("5"),
    )
    tea = order.line_items.get(title="Tea")
    orders.order_refund(order=order, lines=[(tea.id, 1)], shipping=Decimal("5"))

    data = devshop.data(ORDER, {"id": order.gid})["order"]

    assert data["lineItems"]["nodes"] == [
        {"title": "Tea", "isGiftCard": False},
        {"title": "Gift card", "isGiftCard": True},
    ]
    (refund,) = data["refunds"]
    webhook = json.loads(DevWebhookDelivery.objects.get(topic="refunds/create").body)
    assert refund["processedAt"] == refund["createdAt"]
    assert refund["transactions"]["nodes"] == [
        {
            "id": webhook["transactions"][0]["admin_graphql_api_id"],
            "kind": "REFUND",
            "status": "SUCCESS",
            "amountSet": {"shopMoney": {"amount": "15.0"}},
        }
    ]
    assert refund["refundShippingLines"]["nodes"] == [
        {
            "subtotalAmountSet": {"shopMoney": {"amount": "5.0"}},
            "taxAmountSet": {"shopMoney": {"amount": "0.0"}},
        }
    ]


def test_a_refund_without_shipping_has_no_shipping_lines(devshop):
    order = orders.order_create(
        shop=devshop.shop, customer=None, lines=[LineInput("Pot", Decimal("30"))]
    )
    pot = order.line_items.get()
    orders.order_refund(order=order, lines=[(pot.id, 1)])

    (refund,) = devshop.data(ORDER, {"id": order.gid})["order"]["refunds"]

    assert refund["refundShippingLines"]["nodes"] == []
    assert refund["transactions"]["nodes"][0]["amountSet"] == {"shopMoney": {"amount": "30.0"}}
