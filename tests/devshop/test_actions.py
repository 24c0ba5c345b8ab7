"""devshop's actions (HTTP controls and services) send the webhooks Shopify would send."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from devshop.exceptions import DevshopError
from devshop.models import DevCustomer, DevOrder
from devshop.services import customers, gdpr, orders, shops
from devshop.services.orders import LineInput
from devshop.webhooks.models import DevWebhookDelivery

BASE = "/devshop/shops/alice-shop.myshopify.com"


def _topics() -> list[str]:
    return list(DevWebhookDelivery.objects.order_by("id").values_list("topic", flat=True))


def _post(devshop, path, payload=None):
    return devshop.client.post(f"{BASE}{path}", payload or {}, content_type="application/json")


def test_customer_create_update_delete_over_http(devshop):
    created = _post(devshop, "/customers", {"first_name": "Bo", "email": "bo@example.com"})
    customer_id = created.json()["legacy_id"]
    _post(devshop, f"/customers/{customer_id}/update", {"note": "likes tea"})
    _post(devshop, f"/customers/{customer_id}/delete")

    assert created.status_code == 201
    assert _topics() == ["customers/create", "customers/update", "customers/delete"]
    assert not DevCustomer.objects.exists()
    deleted = json.loads(DevWebhookDelivery.objects.get(topic="customers/delete").body)
    assert deleted["id"] == customer_id


def test_order_lifecycle_over_http(devshop):
    customer = customers.customer_create(shop=devshop.shop, email="c@example.com")
    created = _post(
        devshop,
        "/orders",
        {
            "customer_id": customer.id,
            "lines": [{"title": "Tea", "price": "10.00", "quantity": 3}],
            "paid": "0",
        },
    ).json()
    order = DevOrder.objects.get(id=created["legacy_id"])
    line = order.line_items.get()
    _post(devshop, f"/orders/{order.id}/pay")
    refund = _post(
        devshop, f"/orders/{order.id}/refund", {"lines": [{"line_item_id": line.id, "quantity": 1}]}
    )
    _post(devshop, f"/orders/{order.id}/cancel", {"reason": "customer"})

    assert _topics() == [
        "customers/create",
        "orders/create",
        "orders/paid",
        "orders/updated",
        "refunds/create",
        "orders/updated",
        "orders/cancelled",
        "orders/updated",
    ]
    assert refund.json()["amount"] == "10.00"
    order.refresh_from_db()
    customer.refresh_from_db()
    assert order.financial_status == "partially_refunded" and order.cancelled_at is not None
    assert customer.amount_spent == Decimal("20.00") and customer.number_of_orders == 1
    body = json.loads(DevWebhookDelivery.objects.filter(topic="refunds/create").get().body)
    assert body["refund_line_items"][0]["quantity"] == 1


def test_refunding_more_than_is_left_is_a_400(devshop):
    order = orders.order_create(
        shop=devshop.shop, customer=None, lines=[LineInput("Tea", Decimal("5"))]
    )
    line = order.line_items.get()

    response = _post(
        devshop, f"/orders/{order.id}/refund", {"lines": [{"line_item_id": line.id, "quantity": 2}]}
    )

    assert response.status_code == 400
    assert response.json()["message"] == f"line item {line.id}: can refund 1..1, not 2"
    assert not order.refunds.exists()


def test_uninstall_sends_app_uninstalled(devshop):
    response = _post(devshop, "/uninstall")

    assert response.status_code == 200
    assert _topics() == ["app/uninstalled"]
    assert devshop.graphql("{ shop { name } }").status_code == 401


def test_scope_change_sends_scopes_update(devshop):
    shops.app_install(shop=devshop.shop, scopes=["read_customers"])

    body = json.loads(DevWebhookDelivery.objects.get(topic="app/scopes_update").body)
    assert body["current"] == ["read_customers"]


def test_gdpr_requests_send_compliance_webhooks(devshop):
    customer = customers.customer_create(shop=devshop.shop, email="gdpr@example.com")
    order = orders.order_create(
        shop=devshop.shop, customer=customer, lines=[LineInput("Tea", Decimal("5"))]
    )

    _post(devshop, f"/customers/{customer.id}/data_request")
    gdpr.customer_redact(customer=customer)
    _post(devshop, "/redact")

    request = json.loads(DevWebhookDelivery.objects.get(topic="customers/data_request").body)
    redact = json.loads(DevWebhookDelivery.objects.get(topic="customers/redact").body)
    assert request["orders_requested"] == [order.id]
    assert redact["customer"]["email"] == "gdpr@example.com" and redact["orders_to_redact"] == [
        order.id
    ]
    assert DevWebhookDelivery.objects.filter(topic="shop/redact").count() == 1


def test_discount_code_for_another_customer_is_refused_at_checkout(devshop):
    from devshop.services import discounts

    alice = customers.customer_create(shop=devshop.shop, email="a@example.com")
    bob = customers.customer_create(shop=devshop.shop, email="b@example.com")
    discounts.discount_code_create(
        shop=devshop.shop,
        kind="basic",
        data={
            "title": "For Alice",
            "code": "ALICE",
            "startsAt": "2026-01-01T00:00:00Z",
            "context": {"customers": {"add": [alice.gid]}},
            "customerGets": {"value": {"percentage": 0.1}, "items": {"all": True}},
        },
    )

    with pytest.raises(DevshopError, match="not for this customer"):
        orders.order_create(
            shop=devshop.shop,
            customer=bob,
            lines=[LineInput("Tea", Decimal("10"))],
            discount_code="ALICE",
        )
    order = orders.order_create(
        shop=devshop.shop,
        customer=alice,
        lines=[LineInput("Tea", Decimal("10"))],
        discount_code="alice",
    )
    assert order.total_discounts == Decimal("1.00") and order.total_price == Decimal("9.00")


def test_clock_endpoint_moves_devshops_clock(devshop):
    before = devshop.client.get("/devshop/clock").json()["offset_seconds"]

    moved = devshop.client.post(
        "/devshop/clock", {"advance": 3600}, content_type="application/json"
    ).json()

    assert before == 0 and moved["offset_seconds"] == 3600


def test_control_pages_render(devshop):
    customers.customer_create(shop=devshop.shop, email="page@example.com")

    assert devshop.client.get("/devshop/").status_code == 200
    page = devshop.client.get(f"{BASE}/")
    assert page.status_code == 200 and b"page@example.com" in page.content


def test_form_post_redirects_back_to_the_shop_page(devshop):
    response = devshop.client.post(f"{BASE}/customers", {"email": "form@example.com"})

    assert response.status_code == 302 and response["Location"] == f"{BASE}/"
