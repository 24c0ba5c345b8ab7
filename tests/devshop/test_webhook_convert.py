"""devshop's own records become schema-valid webhook bodies (devshop.webhooks.emit's path)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from devshop import clock
from devshop.models import (
    DevAppSubscription,
    DevBulkOperation,
    DevLineItem,
    DevOrder,
    DevRefund,
    DevRefundLineItem,
)
from devshop.webhooks import convert
from tests.devshop.conftest import dev_customer_create, dev_owner_create, dev_shop_create
from tests.devshop.test_webhook_payloads import assert_valid, relaxed_order_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev_shop():
    shop = dev_shop_create(email="alice@example.com")
    dev_owner_create(shop, email="alice@example.com")
    return shop


@pytest.fixture
def customer(dev_shop):
    return dev_customer_create(dev_shop, age=timedelta(days=30), phone="+16135550101", note="VIP")


@pytest.fixture
def order(dev_shop, customer):
    now = clock.now()
    order = DevOrder.objects.create(
        id=5_600_000_000_001,
        shop=dev_shop,
        number=1001,
        customer=customer,
        email=customer.email,
        currency="USD",
        financial_status="paid",
        subtotal_price=Decimal("45.00"),
        total_discounts=Decimal("5.00"),
        total_shipping=Decimal("4.99"),
        total_tax=Decimal("0"),
        total_price=Decimal("49.99"),
        discount_codes=[{"code": "LOYALTY-5", "amount": "5.00", "type": "fixed_amount"}],
        note_attributes=[{"name": "referral", "value": "ABC"}],
        processed_at=now,
        created_at=now,
        updated_at=now,
    )
    DevLineItem.objects.create(
        id=13_800_000_000_001,
        order=order,
        title="Tee",
        sku="TEE",
        quantity=2,
        price=Decimal("25.00"),
    )
    return order


def test_order_topics_validate_and_match_the_stored_totals(dev_shop, order):
    for topic in sorted(convert.ORDER_TOPICS):
        body = convert.payload_for(dev_shop, topic, order)
        assert_valid(topic, body)
    assert body["total_price"] == str(order.total_price)
    assert body["subtotal_price"] == str(order.subtotal_price)
    assert body["name"] == "#1001"
    assert body["customer"]["admin_graphql_api_id"] == "gid://shopify/Customer/7300000000001"


def test_a_code_on_one_variant_is_allocated_to_its_line_in_the_payload(dev_shop, customer):
    from devshop.services import discounts, orders
    from devshop.services.orders import LineInput
    from devshop.services.products import VariantInput, product_create

    mug = product_create(shop=dev_shop, title="Mug", variants=[VariantInput("Blue", Decimal("9"))])
    blue = mug.variants.get()
    discounts.discount_code_create(
        shop=dev_shop,
        kind="basic",
        data={
            "title": "Free mug",
            "code": "FREEMUG",
            "startsAt": "2026-01-01T00:00:00Z",
            "context": {"all": "ALL"},
            "customerGets": {
                "items": {"products": {"productVariantsToAdd": [blue.gid]}},
                "value": {"discountOnQuantity": {"quantity": "1", "effect": {"percentage": 1}}},
            },
        },
    )
    order = orders.order_create(
        shop=dev_shop,
        customer=customer,
        lines=[
            LineInput("Tea", Decimal("12.00")),
            LineInput("Mug", blue.price, quantity=3, product_id=mug.id, variant_id=blue.id),
        ],
        discount_code="freemug",
    )

    body = convert.payload_for(dev_shop, "orders/paid", order)

    assert_valid("orders/paid", body)
    assert body["discount_codes"] == [{"code": "FREEMUG", "amount": "9.00", "type": "percentage"}]
    [application] = body["discount_applications"]
    assert (application["target_selection"], application["value"]) == ("entitled", "100.0000")
    assert [line["discount_allocations"] for line in body["line_items"]] == [
        [],
        [
            {
                "amount": "9.00",
                "amount_set": {
                    "shop_money": {"amount": "9.00", "currency_code": "USD"},
                    "presentment_money": {"amount": "9.00", "currency_code": "USD"},
                },
                "discount_application_index": 0,
            }
        ],
    ]
    assert (body["subtotal_price"], body["total_discounts"]) == ("30.00", "9.00")


def test_refund_validates_and_shows_on_the_order(dev_shop, order):
    now = clock.now()
    refund = DevRefund.objects.create(
        id=910_000_000_001,
        order=order,
        note="Too small",
        amount=Decimal("25.00"),
        created_at=now,
        processed_at=now,
    )
    DevRefundLineItem.objects.create(
        id=520_000_000_001,
        refund=refund,
        line_item_id=13_800_000_000_001,
        quantity=1,
        subtotal=Decimal("25.00"),
    )
    body = convert.payload_for(dev_shop, "refunds/create", refund)
    assert_valid("refunds/create", body)
    assert body["refund_line_items"][0]["line_item_id"] == 13_800_000_000_001
    order_body = convert.payload_for(dev_shop, "orders/updated", order)
    assert_valid("orders/updated", order_body, relaxed_order_schema("orders/updated"))
    assert order_body["current_total_price"] == "24.99"


def test_customer_topics_validate(dev_shop, customer):
    for topic in ("customers/create", "customers/update"):
        assert_valid(topic, convert.payload_for(dev_shop, topic, customer))
    assert_valid("customers/delete", convert.payload_for(dev_shop, "customers/delete", customer))
    assert convert.payload_for(dev_shop, "customers/delete", 5)["id"] == 5


def test_compliance_topics_validate(dev_shop, customer, order):
    body = convert.payload_for(
        dev_shop,
        "customers/data_request",
        {"customer": customer, "orders_requested": [order.id], "data_request_id": 77},
    )
    assert_valid("customers/data_request", body)
    body = convert.payload_for(
        dev_shop, "customers/redact", {"customer": customer, "orders_to_redact": [order.id]}
    )
    assert_valid("customers/redact", body)
    assert_valid("shop/redact", convert.payload_for(dev_shop, "shop/redact", dev_shop))


def test_app_topics_validate(dev_shop):
    body = convert.payload_for(dev_shop, "app/uninstalled", dev_shop)
    assert_valid("app/uninstalled", body)
    assert body["shop_owner"] == "Alice Owner"
    body = convert.payload_for(
        dev_shop,
        "app/scopes_update",
        {"previous": ["read_orders"], "current": ["read_orders", "write_discounts"]},
    )
    assert_valid("app/scopes_update", body)


def test_bulk_operation_finish_validates(dev_shop):
    now = clock.now()
    operation = DevBulkOperation.objects.create(
        id=4_200_000_000_001,
        shop=dev_shop,
        status="COMPLETED",
        query="{ customers { edges { node { id } } } }",
        created_at=now,
        completed_at=now,
    )
    body = convert.payload_for(dev_shop, "bulk_operations/finish", operation)
    assert_valid("bulk_operations/finish", body)
    assert body["status"] == "completed"


def test_app_subscription_update_validates(dev_shop):
    now = clock.now()
    subscription = DevAppSubscription.objects.create(
        id=29_000_000_001,
        shop=dev_shop,
        name="Pro plan",
        status="ACTIVE",
        line_items=[
            {
                "plan": {
                    "appRecurringPricingDetails": {
                        "price": {"amount": 19.9, "currencyCode": "USD"},
                        "interval": "EVERY_30_DAYS",
                    }
                }
            },
            {
                "plan": {
                    "appUsagePricingDetails": {
                        "cappedAmount": {"amount": 100, "currencyCode": "USD"},
                        "terms": "per order",
                    }
                }
            },
        ],
        return_url="http://testserver/billing/return",
        created_at=now,
        updated_at=now,
    )
    body = convert.payload_for(dev_shop, "app_subscriptions/update", subscription)
    assert_valid("app_subscriptions/update", body)
    assert (body["app_subscription"]["price"], body["app_subscription"]["capped_amount"]) == (
        "19.90",
        "100.00",
    )
    assert body["app_subscription"]["interval"] == "every_30_days"


def test_an_unknown_topic_is_refused(dev_shop):
    with pytest.raises(convert.UnknownTopic):
        convert.payload_for(dev_shop, "products/create", {})


def test_emit_sends_the_converted_body(
    dev_shop, customer, settings, inprocess_http, django_capture_on_commit_callbacks
):
    from devshop import webhooks

    with django_capture_on_commit_callbacks(execute=True):
        [sent] = webhooks.emit(dev_shop, "customers/create", customer, hold=True)
    assert json.loads(bytes(sent.body))["admin_graphql_api_id"] == customer.gid
    assert sent.topic == "customers/create"
