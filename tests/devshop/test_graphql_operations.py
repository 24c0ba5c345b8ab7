# GraphQL documents stay on one line each, as the app writes them; they exceed 100 columns.
# ruff: noqa: E501
"""Each Admin GraphQL operation devshop implements, through the real HTTP endpoint."""

from __future__ import annotations

from decimal import Decimal

import pytest

from devshop.models import DevDiscountCode, DevMetafield, DevWebhookSubscription
from devshop.services import customers, orders
from devshop.services.orders import LineInput


@pytest.fixture
def alice(devshop):
    return customers.customer_create(
        shop=devshop.shop, first_name="Alice", last_name="A", email="alice@example.com"
    )


def test_shop(devshop):
    data = devshop.data("{ shop { id name myshopifyDomain currencyCode ianaTimezone } }")

    assert data["shop"] == {
        "id": devshop.shop.gid,
        "name": devshop.shop.name,
        "myshopifyDomain": "alice-shop.myshopify.com",
        "currencyCode": "USD",
        "ianaTimezone": "America/New_York",
    }


def test_customer_by_id(devshop, alice):
    data = devshop.data(
        "query($id: ID!) { customer(id: $id) { id firstName email "
        "defaultEmailAddress { emailAddress } numberOfOrders amountSpent { amount } } }",
        {"id": alice.gid},
    )

    assert data["customer"] == {
        "id": alice.gid,
        "firstName": "Alice",
        "email": "alice@example.com",
        "defaultEmailAddress": {"emailAddress": "alice@example.com"},
        "numberOfOrders": "0",
        "amountSpent": {"amount": "0.0"},
    }


def test_customers_paginate_with_cursors(devshop):
    made = [
        customers.customer_create(shop=devshop.shop, email=f"c{i}@example.com") for i in range(5)
    ]
    query = (
        "query($after: String) { customers(first: 2, after: $after) "
        "{ pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }"
    )
    seen, after = [], None
    while True:
        page = devshop.data(query, {"after": after})["customers"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == [c.gid for c in made]


def test_customers_filter_by_updated_at(devshop, alice):
    old = customers.customer_create(shop=devshop.shop, email="old@example.com")
    type(old).objects.filter(pk=old.pk).update(updated_at="2020-01-01T00:00:00Z")

    data = devshop.data(
        "{ customers(first: 10, query: \"updated_at:>'2025-01-01T00:00:00Z'\") { nodes { id } } }"
    )

    assert data["customers"]["nodes"] == [{"id": alice.gid}]


def test_unsupported_search_field_is_an_error(devshop):
    body = devshop.graphql('{ customers(first: 1, query: "country:CA") { nodes { id } } }').json()

    assert "devshop does not implement the search field 'country'" in body["errors"][0]["message"]


def test_order_with_line_items_refunds_and_totals(devshop, alice):
    order = orders.order_create(
        shop=devshop.shop,
        customer=alice,
        lines=[LineInput("Tea", Decimal("10.00"), 2), LineInput("Cup", Decimal("5.00"))],
    )
    tea = order.line_items.get(title="Tea")
    orders.order_refund(order=order, lines=[(tea.id, 1)])

    data = devshop.data(
        """query($id: ID!) { order(id: $id) {
            name displayFinancialStatus customer { id }
            totalPriceSet { shopMoney { amount currencyCode } }
            currentTotalPriceSet { shopMoney { amount } }
            totalRefundedSet { shopMoney { amount } }
            lineItems(first: 5) { nodes { title quantity currentQuantity } }
            refunds { refundLineItems(first: 5) { nodes { quantity lineItem { title } } } }
        } }""",
        {"id": order.gid},
    )["order"]

    assert data["name"] == order.name
    assert data["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    assert data["customer"] == {"id": alice.gid}
    assert data["totalPriceSet"]["shopMoney"] == {"amount": "25.0", "currencyCode": "USD"}
    assert data["currentTotalPriceSet"]["shopMoney"]["amount"] == "15.0"
    assert data["totalRefundedSet"]["shopMoney"]["amount"] == "10.0"
    assert data["lineItems"]["nodes"] == [
        {"title": "Tea", "quantity": 2, "currentQuantity": 1},
        {"title": "Cup", "quantity": 1, "currentQuantity": 1},
    ]
    assert data["refunds"][0]["refundLineItems"]["nodes"] == [
        {"quantity": 1, "lineItem": {"title": "Tea"}}
    ]


def test_orders_query_by_updated_at(devshop, alice):
    order = orders.order_create(
        shop=devshop.shop, customer=alice, lines=[LineInput("X", Decimal("1"))]
    )

    data = devshop.data(
        "{ orders(first: 5, query: \"updated_at:>='2020-01-01'\") { nodes { id discountCodes } } }"
    )

    assert data["orders"]["nodes"] == [{"id": order.gid, "discountCodes": []}]


BASIC_CREATE = """
mutation($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) {
    codeDiscountNode { id codeDiscount { ... on DiscountCodeBasic {
      title status usageLimit appliesOncePerCustomer asyncUsageCount
      context { ... on DiscountCustomers { customers { id } } ... on DiscountBuyerSelectionAll { all } }
      customerGets { value { ... on DiscountAmount { amount { amount } } ... on DiscountPercentage { percentage } } }
    } } }
    userErrors { field message code }
  }
}
"""


def _basic_input(code: str, **overrides):
    return {
        "title": f"Reward {code}",
        "code": code,
        "startsAt": "2026-01-01T00:00:00Z",
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        "customerGets": {
            "value": {"discountAmount": {"amount": "5.00", "appliesOnEachItem": False}},
            "items": {"all": True},
        },
        "context": {"all": "ALL"},
        **overrides,
    }


def test_discount_code_basic_create_for_one_customer(devshop, alice):
    payload = devshop.data(
        BASIC_CREATE, {"input": _basic_input("ALICE5", context={"customers": {"add": [alice.gid]}})}
    )["discountCodeBasicCreate"]

    assert payload["userErrors"] == []
    discount = payload["codeDiscountNode"]["codeDiscount"]
    assert discount["context"] == {"customers": [{"id": alice.gid}]}
    assert discount["customerGets"]["value"] == {"amount": {"amount": "5.0"}}
    assert discount["status"] == "ACTIVE"
    row = DevDiscountCode.objects.get(code="ALICE5")
    assert row.context_customer_ids == [alice.id] and row.usage_limit == 1


def test_duplicate_code_is_taken(devshop):
    devshop.data(BASIC_CREATE, {"input": _basic_input("SAME")})

    payload = devshop.data(BASIC_CREATE, {"input": _basic_input("same")})["discountCodeBasicCreate"]

    assert payload["codeDiscountNode"] is None
    assert payload["userErrors"] == [
        {
            "field": ["basicCodeDiscount", "code"],
            "message": "Code must be unique. Please try a different code.",
            "code": "TAKEN",
        }
    ]


def test_percentage_outside_zero_to_one_is_a_user_error(devshop):
    value = {"value": {"percentage": 10}, "items": {"all": True}}
    payload = devshop.data(BASIC_CREATE, {"input": _basic_input("PCT", customerGets=value)})

    assert payload["discountCodeBasicCreate"]["userErrors"][0]["code"] == "VALUE_OUTSIDE_RANGE"


PRODUCT_DISCOUNT = """
mutation($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) {
    codeDiscountNode { codeDiscount { ... on DiscountCodeBasic { customerGets {
      items { ... on DiscountProducts { productVariants(first: 5) { nodes { id } } products(first: 5) { nodes { id } } } ... on AllDiscountItems { allItems } }
      value { ... on DiscountOnQuantity { quantity { quantity } effect { ... on DiscountPercentage { percentage } } } }
    } } } }
    userErrors { field message code }
  }
}
"""


def _free_variant(variant_gid: str) -> dict:
    return {
        "items": {"products": {"productVariantsToAdd": [variant_gid]}},
        "value": {"discountOnQuantity": {"quantity": "1", "effect": {"percentage": 1.0}}},
    }


def test_a_discount_on_one_variant_for_one_unit(devshop):
    from devshop.services.products import VariantInput, product_create

    mug = product_create(
        shop=devshop.shop, title="Mug", variants=[VariantInput("Blue", Decimal("9"))]
    )
    variant = mug.variants.get()

    payload = devshop.data(
        PRODUCT_DISCOUNT, {"input": _basic_input("MUG", customerGets=_free_variant(variant.gid))}
    )["discountCodeBasicCreate"]

    assert payload["userErrors"] == []
    gets = payload["codeDiscountNode"]["codeDiscount"]["customerGets"]
    assert gets == {
        "items": {"productVariants": {"nodes": [{"id": variant.gid}]}, "products": {"nodes": []}},
        "value": {"quantity": {"quantity": "1"}, "effect": {"percentage": 1.0}},
    }


def test_variants_of_another_shop_or_none_at_all_are_user_errors(devshop):
    unknown = "gid://shopify/ProductVariant/44000000000999"

    payload = devshop.data(
        PRODUCT_DISCOUNT, {"input": _basic_input("NOPE", customerGets=_free_variant(unknown))}
    )["discountCodeBasicCreate"]

    assert payload["codeDiscountNode"] is None
    assert payload["userErrors"] == [
        {
            "field": [
                "basicCodeDiscount",
                "customerGets",
                "items",
                "products",
                "productVariantsToAdd",
            ],
            "message": f"Product variant ids {unknown} are invalid",
            "code": "INVALID",
        }
    ]
    assert not DevDiscountCode.objects.filter(code="NOPE").exists()


def test_collection_items_are_still_not_emulated(devshop):
    gets = {
        "items": {"collections": {"add": ["gid://shopify/Collection/1"]}},
        "value": {"percentage": 0.5},
    }

    body = devshop.graphql(BASIC_CREATE, {"input": _basic_input("COLL", customerGets=gets)}).json()

    assert body["errors"][0]["extensions"]["code"] == "DEVSHOP_NOT_IMPLEMENTED"


def test_deprecated_customer_selection_is_still_understood(devshop, alice):
    data = _basic_input("OLD", customerSelection={"customers": {"add": [alice.gid]}})
    del data["context"]

    payload = devshop.data(BASIC_CREATE, {"input": data})["discountCodeBasicCreate"]

    assert payload["userErrors"] == []
    assert DevDiscountCode.objects.get(code="OLD").context_customer_ids == [alice.id]


def test_free_shipping_create(devshop):
    payload = devshop.data(
        """mutation($input: DiscountCodeFreeShippingInput!) {
          discountCodeFreeShippingCreate(freeShippingCodeDiscount: $input) {
            codeDiscountNode { codeDiscount { ... on DiscountCodeFreeShipping { title } } }
            userErrors { code }
          } }""",
        {
            "input": {
                "title": "Ship free",
                "code": "SHIPFREE",
                "startsAt": "2026-01-01T00:00:00Z",
                "context": {"all": "ALL"},
                "destination": {"all": True},
            }
        },
    )["discountCodeFreeShippingCreate"]

    assert payload == {
        "codeDiscountNode": {"codeDiscount": {"title": "Ship free"}},
        "userErrors": [],
    }


def test_usage_count_follows_orders_and_the_code_works_once(devshop, alice):
    node_id = devshop.data(BASIC_CREATE, {"input": _basic_input("ONCE")})[
        "discountCodeBasicCreate"
    ]["codeDiscountNode"]["id"]
    order = orders.order_create(
        shop=devshop.shop,
        customer=alice,
        lines=[LineInput("Tea", Decimal("20"))],
        discount_code="once",
    )

    data = devshop.data(
        "query($id: ID!) { codeDiscountNode(id: $id) { codeDiscount { ... on DiscountCodeBasic { asyncUsageCount } } } }",
        {"id": node_id},
    )

    assert data["codeDiscountNode"]["codeDiscount"]["asyncUsageCount"] == 1
    assert order.total_price == Decimal("15.00")
    assert order.discount_codes == [{"code": "ONCE", "amount": "5.00", "type": "fixed_amount"}]
    with pytest.raises(orders.DevshopError, match="usage limit"):
        orders.order_create(
            shop=devshop.shop,
            customer=alice,
            lines=[LineInput("Tea", Decimal("20"))],
            discount_code="ONCE",
        )


def test_deactivate_then_delete(devshop):
    node_id = devshop.data(BASIC_CREATE, {"input": _basic_input("BYE")})["discountCodeBasicCreate"][
        "codeDiscountNode"
    ]["id"]

    deactivated = devshop.data(
        "mutation($id: ID!) { discountCodeDeactivate(id: $id) { codeDiscountNode { codeDiscount { ... on DiscountCodeBasic { status } } } userErrors { code } } }",
        {"id": node_id},
    )["discountCodeDeactivate"]
    deleted = devshop.data(
        "mutation($id: ID!) { discountCodeDelete(id: $id) { deletedCodeDiscountId userErrors { code } } }",
        {"id": node_id},
    )["discountCodeDelete"]
    again = devshop.data(
        "mutation($id: ID!) { discountCodeDelete(id: $id) { deletedCodeDiscountId userErrors { code } } }",
        {"id": node_id},
    )["discountCodeDelete"]

    assert deactivated["codeDiscountNode"]["codeDiscount"]["status"] == "EXPIRED"
    assert deleted == {"deletedCodeDiscountId": node_id, "userErrors": []}
    assert again == {"deletedCodeDiscountId": None, "userErrors": [{"code": "INVALID"}]}


def test_tags_add_and_remove(devshop, alice):
    added = devshop.data(
        'mutation($id: ID!) { tagsAdd(id: $id, tags: ["VIP Gold", "loyalty"]) { node { ... on Customer { tags } } userErrors { message } } }',
        {"id": alice.gid},
    )["tagsAdd"]
    removed = devshop.data(
        'mutation($id: ID!) { tagsRemove(id: $id, tags: ["vip gold"]) { node { ... on Customer { tags } } userErrors { message } } }',
        {"id": alice.gid},
    )["tagsRemove"]

    assert added == {"node": {"tags": ["loyalty", "VIP Gold"]}, "userErrors": []}
    assert removed == {"node": {"tags": ["loyalty"]}, "userErrors": []}


METAFIELDS_SET = """
mutation($m: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $m) {
    metafields { namespace key value compareDigest }
    userErrors { field message code elementIndex }
  }
}
"""


def test_metafields_set_upserts_with_compare_digest(devshop, alice):
    first = devshop.data(
        METAFIELDS_SET,
        {
            "m": [
                {
                    "ownerId": alice.gid,
                    "namespace": "$app:loyalty",
                    "key": "points",
                    "type": "number_integer",
                    "value": "10",
                    "compareDigest": None,
                }
            ]
        },
    )["metafieldsSet"]
    digest = first["metafields"][0]["compareDigest"]
    stale = devshop.data(
        METAFIELDS_SET,
        {
            "m": [
                {
                    "ownerId": alice.gid,
                    "namespace": "$app:loyalty",
                    "key": "points",
                    "type": "number_integer",
                    "value": "99",
                    "compareDigest": "nope",
                }
            ]
        },
    )["metafieldsSet"]
    second = devshop.data(
        METAFIELDS_SET,
        {
            "m": [
                {
                    "ownerId": alice.gid,
                    "namespace": "$app:loyalty",
                    "key": "points",
                    "type": "number_integer",
                    "value": "25",
                    "compareDigest": digest,
                }
            ]
        },
    )["metafieldsSet"]

    assert first["userErrors"] == [] and first["metafields"][0]["value"] == "10"
    assert first["metafields"][0]["namespace"].startswith("app--")
    assert stale["userErrors"][0]["code"] == "STALE_OBJECT"
    assert second["metafields"][0]["value"] == "25"
    read = devshop.data(
        'query($id: ID!) { customer(id: $id) { metafield(namespace: "$app:loyalty", key: "points") { value } } }',
        {"id": alice.gid},
    )
    assert read["customer"]["metafield"] == {"value": "25"}


def test_metafields_set_is_atomic(devshop, alice):
    body = devshop.data(
        METAFIELDS_SET,
        {
            "m": [
                {"ownerId": alice.gid, "key": "ok", "type": "number_integer", "value": "1"},
                {"ownerId": alice.gid, "key": "bad", "type": "number_integer", "value": "one"},
            ]
        },
    )["metafieldsSet"]

    assert body["userErrors"] == [
        {
            "field": ["metafields", "1", "value"],
            "message": "Value must be a valid number_integer.",
            "code": "INVALID_VALUE",
            "elementIndex": 1,
        }
    ]
    assert not DevMetafield.objects.exists()


def test_more_than_25_metafields_is_refused(devshop, alice):
    many = [
        {"ownerId": alice.gid, "key": f"k{i}", "type": "number_integer", "value": "1"}
        for i in range(26)
    ]

    body = devshop.graphql(METAFIELDS_SET, {"m": many}).json()

    assert body["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"


def test_webhook_subscription_create_list_delete(devshop):
    created = devshop.data(
        """mutation { webhookSubscriptionCreate(topic: ORDERS_PAID, webhookSubscription: {uri: "http://testserver/webhooks", format: JSON}) {
            webhookSubscription { id topic uri } userErrors { message } } }"""
    )["webhookSubscriptionCreate"]
    sub_id = created["webhookSubscription"]["id"]
    rest_topic = DevWebhookSubscription.objects.get().topic_rest
    listed = devshop.data(
        "{ webhookSubscriptions(first: 10, topics: [ORDERS_PAID]) { nodes { id uri } } }"
    )
    deleted = devshop.data(
        "mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { message } } }",
        {"id": sub_id},
    )

    assert created["userErrors"] == [] and created["webhookSubscription"]["topic"] == "ORDERS_PAID"
    assert rest_topic == "orders/paid"
    assert not DevWebhookSubscription.objects.exists()
    assert listed["webhookSubscriptions"]["nodes"] == [
        {"id": sub_id, "uri": "http://testserver/webhooks"}
    ]
    assert deleted["webhookSubscriptionDelete"] == {
        "deletedWebhookSubscriptionId": sub_id,
        "userErrors": [],
    }


def test_webhook_subscription_needs_a_valid_address(devshop):
    created = devshop.data(
        'mutation { webhookSubscriptionCreate(topic: ORDERS_PAID, webhookSubscription: {uri: "not a url"}) { webhookSubscription { id } userErrors { field message } } }'
    )["webhookSubscriptionCreate"]

    assert created == {
        "webhookSubscription": None,
        "userErrors": [{"field": ["webhookSubscription", "uri"], "message": "Address is invalid"}],
    }


def test_missing_scope_is_access_denied(devshop):
    from devshop.services import shops

    shops.app_install(shop=devshop.shop, scopes=["read_orders"])

    body = devshop.graphql("{ customers(first: 1) { nodes { id } } }").json()

    assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert body["errors"][0]["message"] == (
        "Access denied for customers field. Required access: `read_customers` access scope."
    )


def test_an_app_data_metafield_is_set_on_the_current_app_installation(devshop, client):
    owner = devshop.data("{ currentAppInstallation { id } }")["currentAppInstallation"]["id"]
    value = '{"button_color": "#0b6e4f"}'
    body = devshop.data(
        METAFIELDS_SET,
        {"m": [{"ownerId": owner, "namespace": "loyalty", "key": "launcher", "type": "json",
                "value": value}]},
    )["metafieldsSet"]  # fmt: skip
    assert body["userErrors"] == []
    assert body["metafields"][0]["namespace"] == "loyalty"
    [row] = DevMetafield.objects.filter(owner_gid=owner)
    assert (row.key, row.type, row.value) == ("launcher", "json", value)


def test_another_app_installation_is_not_an_owner(devshop):
    owner = devshop.data("{ currentAppInstallation { id } }")["currentAppInstallation"]["id"]
    number = int(owner.rsplit("/", 1)[1])
    body = devshop.data(
        METAFIELDS_SET,
        {"m": [{"ownerId": f"gid://shopify/AppInstallation/{number + 1}", "namespace": "loyalty",
                "key": "launcher", "type": "json", "value": "{}"}]},
    )["metafieldsSet"]  # fmt: skip
    assert [e["code"] for e in body["userErrors"]] == ["INVALID"]
    assert not DevMetafield.objects.exists()
