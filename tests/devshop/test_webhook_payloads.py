"""devshop's webhook bodies validate against shopify-webhook-schemas' JSON Schemas (2026-07).

Each builder is run on several shapes of data (seeded random amounts, currencies, timezones,
discounts, refunds) and the result is validated with draft 2020-12 and format checks.
"""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest

from devshop.webhooks import payloads as p

SCHEMAS = p.SCHEMA_DIR / p.API_VERSION / "schemas"

FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    # jsonschema only checks date-time with an optional dependency; check it ourselves so a
    # naive or malformed timestamp fails the test.
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme)


def schema_for(topic: str) -> dict:
    return json.loads((SCHEMAS / f"{topic}.json").read_text())


def assert_valid(topic: str, body: dict, schema: dict | None = None) -> None:
    # Round-trip through JSON first: what is validated is what goes on the wire.
    wire = json.loads(json.dumps(body))
    jsonschema.Draft202012Validator(schema or schema_for(topic), format_checker=FORMATS).validate(
        wire
    )


def _nullable(node: dict, *names: str) -> None:
    for name in names:
        prop = node["properties"][name]
        types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        prop["type"] = [*types, "null"] if "null" not in types else types


def relaxed_order_schema(topic: str) -> dict:
    """The order schema, widened where it was inferred from one example and Shopify is wider.

    - ``refunds`` is ``items: false`` because the example order has no refunds; a refunded
      order carries refund objects, validated here with the refunds/create schema.
    - A guest order has ``customer: null``; a customer without an address has no
      ``default_address``; a shopper who gave no email has ``email``/``contact_email`` null.
    """
    schema = schema_for(topic)
    refund = schema_for("refunds/create")
    refund.pop("$schema")
    _nullable(refund, "note", "user_id")
    schema["properties"]["refunds"]["items"] = refund
    customer = schema["properties"]["customer"]
    customer["type"] = ["object", "null"]
    customer["required"].remove("default_address")
    _nullable(customer, "email", "phone", "note")
    _nullable(schema, "email", "contact_email")
    return schema


SHOP = p.ShopData(
    id=60_000_000_001,
    domain="alice-shop.myshopify.com",
    name="Alice's Shop",
    email="owner@alice.example",
    iana_timezone="America/New_York",
    created_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    updated_at=datetime(2026, 7, 1, tzinfo=UTC),
)
EURO_SHOP = p.ShopData(
    id=60_000_000_002,
    domain="bob-shop.myshopify.com",
    name="Bob's Shop",
    email="bob@bob.example",
    currency="EUR",
    iana_timezone="Europe/Berlin",
    plan_name="shopify_plus",
    plan_display_name="Shopify Plus",
)
NOW = datetime(2026, 7, 15, 14, 30, tzinfo=UTC)


def make_customer(rng: random.Random, *, address: bool = True) -> p.CustomerData:
    n = rng.randrange(1, 10_000)
    return p.CustomerData(
        id=7_300_000_000_000 + n,
        email=f"shopper{n}@example.com",
        first_name=rng.choice(["Ada", "Grace", "Alan", "Zoë"]),
        last_name=rng.choice(["Lovelace", "Hopper", "Turing", "O'Brien"]),
        created_at=NOW - timedelta(days=rng.randrange(1, 900)),
        updated_at=NOW,
        phone=f"+1613555{n:04d}",
        note=rng.choice(["VIP", "Prefers email"]),
        # address2/company set: the inferred schema types them as strings inside `addresses`.
        address=(
            p.AddressData(id=8_000_000 + n, address2=f"Suite {n}", company="Acme")
            if address
            else None
        ),
    )


def make_order(rng: random.Random, *, customer: p.CustomerData | None, **overrides) -> p.OrderData:
    items = [
        p.LineItemData(
            id=13_800_000_000_000 + rng.randrange(10**9),
            title=rng.choice(["Aviator sunglasses", "Coffee table", "Tee"]),
            quantity=rng.randrange(1, 4),
            price=Decimal(rng.randrange(100, 50_000)) / 100,
            sku=f"SKU-{rng.randrange(1000)}",
            product_id=rng.choice([None, 8_100_000_000_001]),
            variant_id=rng.choice([None, 44_000_000_000_001]),
            variant_title=rng.choice([None, "Large"]),
            grams=rng.randrange(0, 2000),
        )
        for _ in range(rng.randrange(1, 5))
    ]
    fields: dict[str, Any] = dict(
        id=5_600_000_000_000 + rng.randrange(10**6),
        order_number=1001 + rng.randrange(1000),
        email=customer.email if customer else "guest@example.com",
        customer=customer,
        line_items=items,
        created_at=NOW - timedelta(minutes=5),
        updated_at=NOW,
        shipping_price=Decimal(rng.choice([0, 499, 1000])) / 100,
        total_tax=Decimal(rng.randrange(0, 500)) / 100,
        note_attributes=[("referral", "ABC123")],
        tags=["vip", "loyalty"],
        landing_site="/?ref=ABC123",
        referring_site="https://friend.example/",
    )
    fields.update(overrides)
    return p.OrderData(**fields)


ORDER_TOPICS = ["orders/create", "orders/paid", "orders/updated", "orders/cancelled"]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("topic", ORDER_TOPICS)
def test_order_payload_validates(topic, seed):
    rng = random.Random(seed)
    shop = rng.choice([SHOP, EURO_SHOP])
    order = make_order(
        rng,
        customer=make_customer(rng),
        discount_codes=[p.DiscountCodeData(code="LOYALTY-5", amount=Decimal("5.00"))],
        presentment_currency=rng.choice([None, "CAD"]),
        presentment_rate=rng.choice([Decimal("1"), Decimal("1.37")]),
        financial_status="voided" if topic == "orders/cancelled" else "paid",
        cancelled_at=NOW if topic == "orders/cancelled" else None,
        cancel_reason="customer" if topic == "orders/cancelled" else None,
    )
    body = p.order_payload(shop=shop, order=order, topic=topic)
    assert_valid(topic, body)
    assert body["admin_graphql_api_id"] == f"gid://shopify/Order/{order.id}"
    assert body["name"] == f"#{order.order_number}"
    assert order.customer is not None
    assert body["customer"]["admin_graphql_api_id"] == f"gid://shopify/Customer/{order.customer.id}"
    assert body["currency"] == shop.currency
    assert body["total_price_set"]["shop_money"] == {
        "amount": body["total_price"],
        "currency_code": shop.currency,
    }
    assert [li["id"] for li in body["line_items"]] == [li.id for li in order.line_items]
    assert body["discount_codes"] == [
        {"code": "LOYALTY-5", "amount": "5.00", "type": "fixed_amount"}
    ]


def test_order_totals_are_derived_from_lines_discounts_shipping_and_tax():
    order = make_order(
        random.Random(1),
        customer=None,
        line_items=[
            p.LineItemData(id=1, title="A", quantity=2, price=Decimal("10.00")),
            p.LineItemData(id=2, title="B", quantity=1, price=Decimal("5.50")),
        ],
        discount_codes=[
            p.DiscountCodeData(
                code="TEN", amount=Decimal("2.55"), type="percentage", value=Decimal("10.0")
            )
        ],
        shipping_price=Decimal("4.99"),
        total_tax=Decimal("1.00"),
        presentment_currency="CAD",
        presentment_rate=Decimal("1.5"),
    )
    body = p.order_payload(shop=SHOP, order=order)
    assert body["total_line_items_price"] == "25.50"
    assert body["total_discounts"] == "2.55"
    assert body["subtotal_price"] == "22.95"
    assert body["total_price"] == "28.94"
    assert body["current_total_price"] == "28.94"
    assert body["total_price_set"]["presentment_money"] == {
        "amount": "43.41",
        "currency_code": "CAD",
    }
    assert body["discount_applications"][0]["value_type"] == "percentage"
    assert body["discount_applications"][0]["value"] == "10.0"


def test_timestamps_are_rendered_in_the_shops_timezone():
    order = make_order(random.Random(2), customer=None)
    body = p.order_payload(shop=SHOP, order=order)
    assert body["updated_at"] == "2026-07-15T10:30:00-04:00"
    assert p.order_payload(shop=EURO_SHOP, order=order)["updated_at"] == "2026-07-15T16:30:00+02:00"


def test_naive_datetimes_are_refused():
    order = make_order(random.Random(3), customer=None, updated_at=datetime(2026, 7, 1))
    with pytest.raises(ValueError, match="naive"):
        p.order_payload(shop=SHOP, order=order)


def _refund_for(order: p.OrderData, refund_id: int = 910_000_000_001) -> p.RefundData:
    first = order.line_items[0]
    return p.RefundData(
        id=refund_id,
        created_at=NOW,
        line_items=[
            p.RefundLineItemData(
                id=520_000_000_001, line_item_id=first.id, quantity=1, subtotal=first.price
            )
        ],
        amount=first.price,
        transaction_id=1_000_000_001,
        note="Damaged",
        user_id=110_000_000_001,
    )


@pytest.mark.parametrize("seed", range(4))
def test_refund_payload_validates(seed):
    rng = random.Random(seed)
    order = make_order(rng, customer=make_customer(rng))
    refund = _refund_for(order)
    body = p.refund_payload(shop=rng.choice([SHOP, EURO_SHOP]), order=order, refund=refund)
    assert_valid("refunds/create", body)
    assert body["admin_graphql_api_id"] == f"gid://shopify/Refund/{refund.id}"
    assert body["order_id"] == order.id
    [line] = body["refund_line_items"]
    assert line["line_item_id"] == order.line_items[0].id
    assert (
        line["line_item"]["admin_graphql_api_id"]
        == f"gid://shopify/LineItem/{order.line_items[0].id}"
    )
    assert body["transactions"][0]["amount"] == str(
        order.line_items[0].price.quantize(Decimal("0.01"))
    )


def test_refunded_order_payload_validates_and_reduces_current_totals():
    rng = random.Random(7)
    order = make_order(
        rng, customer=make_customer(rng), shipping_price=Decimal("0"), total_tax=Decimal("0")
    )
    refund = _refund_for(order)
    order = make_order(
        random.Random(7),
        customer=order.customer,
        line_items=order.line_items,
        shipping_price=Decimal("0"),
        total_tax=Decimal("0"),
        refunds=[refund],
        financial_status="partially_refunded",
    )
    body = p.order_payload(shop=SHOP, order=order, topic="orders/updated")
    assert_valid("orders/updated", body, relaxed_order_schema("orders/updated"))
    assert Decimal(body["current_total_price"]) == Decimal(body["total_price"]) - refund.amount
    assert body["refunds"][0]["admin_graphql_api_id"] == f"gid://shopify/Refund/{refund.id}"
    assert body["line_items"][0]["current_quantity"] == order.line_items[0].quantity - 1


def test_guest_order_without_email_validates_with_documented_nulls():
    order = make_order(random.Random(4), customer=None, email=None)
    body = p.order_payload(shop=SHOP, order=order, topic="orders/paid")
    assert body["customer"] is None
    assert body["email"] is None
    assert_valid("orders/paid", body, relaxed_order_schema("orders/paid"))
    # The relaxation is needed: the strict, example-inferred schema rejects a guest order.
    with pytest.raises(jsonschema.ValidationError):
        assert_valid("orders/paid", body)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("topic", ["customers/create", "customers/update"])
def test_customer_payload_validates(topic, seed):
    rng = random.Random(seed)
    customer = make_customer(rng)
    body = p.customer_payload(shop=rng.choice([SHOP, EURO_SHOP]), customer=customer, topic=topic)
    assert_valid(topic, body)
    assert body["admin_graphql_api_id"] == f"gid://shopify/Customer/{customer.id}"
    assert body["email"] == customer.email
    assert body["default_address"]["customer_id"] == customer.id
    assert body["addresses"] == [body["default_address"]]


def test_customer_without_address_has_no_default_address():
    customer = make_customer(random.Random(1), address=False)
    body = p.customer_payload(shop=SHOP, customer=customer)
    assert "default_address" not in body
    assert body["addresses"] == []
    schema = schema_for("customers/create")
    schema["required"].remove("default_address")
    assert_valid("customers/create", body, schema)


@pytest.mark.parametrize("customer_id", [7_300_000_000_001, 42])
def test_customer_delete_payload_validates(customer_id):
    body = p.customer_delete_payload(shop=SHOP, customer_id=customer_id)
    assert_valid("customers/delete", body)
    assert body == {
        "id": customer_id,
        "tax_exemptions": [],
        "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
    }


@pytest.mark.parametrize("seed", range(3))
def test_customers_data_request_payload_validates(seed):
    rng = random.Random(seed)
    customer = make_customer(rng)
    orders = [rng.randrange(10**12) for _ in range(rng.randrange(0, 4))]
    body = p.customers_data_request_payload(
        shop=SHOP, customer=customer, orders_requested=orders, data_request_id=9000 + seed
    )
    assert_valid("customers/data_request", body)
    assert body["shop_domain"] == SHOP.domain
    assert body["customer"] == {"id": customer.id, "email": customer.email, "phone": customer.phone}
    assert body["orders_requested"] == orders


@pytest.mark.parametrize("seed", range(3))
def test_customers_redact_payload_validates(seed):
    rng = random.Random(seed)
    customer = make_customer(rng)
    body = p.customers_redact_payload(
        shop=EURO_SHOP, customer=customer, orders_to_redact=[1, 2, 3][:seed]
    )
    assert_valid("customers/redact", body)
    assert body["shop_id"] == EURO_SHOP.id
    assert body["orders_to_redact"] == [1, 2, 3][:seed]


@pytest.mark.parametrize("shop", [SHOP, EURO_SHOP])
def test_shop_redact_payload_validates(shop):
    body = p.shop_redact_payload(shop=shop)
    assert_valid("shop/redact", body)
    assert body == {"shop_id": shop.id, "shop_domain": shop.domain}


def test_app_uninstalled_payload_validates():
    body = p.app_uninstalled_payload(shop=SHOP)
    assert_valid("app/uninstalled", body)
    assert body["myshopify_domain"] == SHOP.domain
    assert body["id"] == SHOP.id
    assert body["iana_timezone"] == "America/New_York"


def test_app_uninstalled_payload_for_a_shop_without_timestamps_validates():
    body = p.app_uninstalled_payload(shop=EURO_SHOP)
    assert_valid("app/uninstalled", body)
    assert body["currency"] == "EUR"
    assert body["created_at"] is None


@pytest.mark.parametrize(
    ("previous", "current"),
    [([], ["read_customers"]), (["read_orders"], ["read_orders", "write_discounts"])],
)
def test_app_scopes_update_payload_validates(previous, current):
    body = p.app_scopes_update_payload(
        shop=SHOP, previous=previous, current=current, updated_at=NOW
    )
    assert_valid("app/scopes_update", body)
    assert body["shop_id"] == f"gid://shopify/Shop/{SHOP.id}"
    assert body["current"] == current


@pytest.mark.parametrize(
    ("status", "error_code"), [("COMPLETED", None), ("FAILED", "ACCESS_DENIED"), ("canceled", None)]
)
def test_bulk_operation_finish_payload_validates(status, error_code):
    operation = p.BulkOperationData(
        id=4_200_000_000_001,
        status=status,
        type="QUERY",
        created_at=NOW - timedelta(minutes=3),
        completed_at=NOW,
        error_code=error_code,
    )
    body = p.bulk_operation_finish_payload(shop=SHOP, operation=operation)
    assert_valid("bulk_operations/finish", body)
    assert body["admin_graphql_api_id"] == "gid://shopify/BulkOperation/4200000000001"
    assert body["status"] == status.lower()
    assert body["type"] == "query"


@pytest.mark.parametrize("status", ["PENDING", "ACTIVE", "CANCELLED"])
def test_app_subscription_update_payload_validates(status):
    subscription = p.AppSubscriptionData(
        id=29_000_000_001,
        name="Pro",
        status=status,
        created_at=NOW,
        updated_at=NOW,
        price=Decimal("19.9"),
        capped_amount=Decimal("100"),
        plan_handle="pro",
    )
    body = p.app_subscription_update_payload(shop=SHOP, subscription=subscription)
    assert_valid("app_subscriptions/update", body)
    assert body["app_subscription"]["price"] == "19.90"
    assert body["app_subscription"]["admin_graphql_api_shop_id"] == f"gid://shopify/Shop/{SHOP.id}"


def test_builders_return_fresh_copies_of_the_example():
    one = p.shop_redact_payload(shop=SHOP)
    one["shop_id"] = 0
    assert p.example_payload("shop/redact")["shop_id"] == 954889
    assert copy.deepcopy(p.shop_redact_payload(shop=SHOP))["shop_id"] == SHOP.id
