"""devshop's customer segments and automatic discounts: the Admin API and the checkout.

Through GraphQL (validated against the 2026-07 schema) a segment is made on a tag and an
automatic basic discount for that segment; then shoppers check out on the storefront with
the test client, through the real cart and checkout views.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from devshop.models import DevAutomaticDiscount, DevOrder, DevSegment, DevWebhookDelivery
from devshop.services import customers, discounts, products
from devshop.services.automatic_discounts import NOT_COMBINABLE
from devshop.services.products import VariantInput
from devshop.services.segments import SegmentQueryError, segment_contains, segment_query_parse
from tests.devshop.test_storefront_commerce import _add, _alert, _pay, _sign_in

SEGMENT_CREATE = """
mutation($name: String!, $query: String!) {
  segmentCreate(name: $name, query: $query) {
    segment { id name query }
    userErrors { field message }
  }
}
"""

DISCOUNT_CREATE = """
mutation($discount: DiscountAutomaticBasicInput!) {
  discountAutomaticBasicCreate(automaticBasicDiscount: $discount) {
    automaticDiscountNode {
      id
      automaticDiscount {
        ... on DiscountAutomaticBasic {
          title
          status
          tags
          context { ... on DiscountCustomerSegments { segments { id name } } }
          customerGets { value { ... on DiscountPercentage { percentage } } }
        }
      }
    }
    userErrors { field message code }
  }
}
"""


@pytest.fixture
def root(devshop):
    return f"/store/{devshop.shop.domain}/"


@pytest.fixture
def mug(devshop):
    return products.product_create(
        shop=devshop.shop, title="Ceramic Mug", variants=[VariantInput("Blue", Decimal("40.00"))]
    ).variants.get()


def _segment(devshop, name="Gold members", query="customer_tags CONTAINS 'VIP Gold'") -> str:
    payload = devshop.data(SEGMENT_CREATE, {"name": name, "query": query})["segmentCreate"]
    assert payload["userErrors"] == []
    return payload["segment"]["id"]


def _gold_discount(devshop, segment_gid: str, **fields) -> dict:
    discount = {
        "title": "Gold members: 10% off",
        "startsAt": "2026-01-01T00:00:00Z",
        "context": {"customerSegments": {"add": [segment_gid]}},
        "customerGets": {"value": {"percentage": 0.1}, "items": {"all": True}},
        "tags": ["loyalty-vip-tier-1"],
        **fields,
    }
    payload = devshop.data(DISCOUNT_CREATE, {"discount": discount})["discountAutomaticBasicCreate"]
    assert payload["userErrors"] == []
    return payload["automaticDiscountNode"]


def _shopper(devshop, name: str, *tags: str):
    return customers.customer_create(
        shop=devshop.shop, first_name=name, email=f"{name.lower()}@example.com", tags=tags
    )


# --- segments --------------------------------------------------------------------------------


def test_a_tag_segment_is_stored_with_its_query_and_holds_the_customers_with_the_tag(devshop):
    gid = _segment(devshop)
    segment = DevSegment.objects.get(shop=devshop.shop)

    assert gid == segment.gid and segment.query == "customer_tags CONTAINS 'VIP Gold'"
    gold = _shopper(devshop, "Gail", "newsletter", "vip gold")  # list conditions ignore case
    silver = _shopper(devshop, "Sam", "VIP Silver", "VIP Gold member")  # a whole tag only
    assert segment_contains(segment=segment, customer=gold)
    assert not segment_contains(segment=segment, customer=silver)
    assert not segment_contains(segment=segment, customer=None)  # a guest


def test_segment_queries_combine_clauses_and_escape_quotes():
    parsed = segment_query_parse(
        "customer_tags CONTAINS 'O\\'Brien' AND customer_tags NOT CONTAINS 'staff' "
        "OR customer_tags CONTAINS 'vip'"
    )

    assert [[(c.tag, c.negated) for c in group] for group in parsed] == [
        [("o'brien", False), ("staff", True)],
        [("vip", False)],
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("customer_tagz CONTAINS 'Gold'", "1: 'customer_tagz' filter cannot be found."),
        ("amount_spent > 100", "1: devshop does not evaluate the 'amount_spent' filter."),
        ("customer_tags = 'Gold'", "15: Unexpected '=': 'customer_tags' takes CONTAINS."),
        ("customer_tags CONTAINS Gold", "24: A condition must be wrapped in single quotes."),
        ("customer_tags CONTAINS 'Gold' OR", "33: Unexpected end of query."),
    ],
)
def test_a_query_devshop_cannot_evaluate_is_refused_with_user_errors(devshop, query, message):
    with pytest.raises(SegmentQueryError):
        segment_query_parse(query)

    payload = devshop.data(SEGMENT_CREATE, {"name": "Odd", "query": query})["segmentCreate"]

    assert payload == {
        "segment": None,
        "userErrors": [{"field": ["query"], "message": f"Line 1 Column {message}"}],
    }
    assert not DevSegment.objects.exists()


def test_segment_names_are_unique_and_segments_are_found_by_name_updated_and_deleted(devshop):
    gid = _segment(devshop)
    taken = devshop.data(
        SEGMENT_CREATE, {"name": "Gold members", "query": "customer_tags CONTAINS 'x'"}
    )

    assert taken["segmentCreate"]["userErrors"] == [
        {"field": ["name"], "message": "Name has already been taken"}
    ]
    found = devshop.data(
        'query { segments(first: 5, query: "name:\\"Gold members\\"") { nodes { id query } } }'
    )
    assert found["segments"]["nodes"] == [{"id": gid, "query": "customer_tags CONTAINS 'VIP Gold'"}]
    updated = devshop.data(
        "mutation($id: ID!) { segmentUpdate(id: $id, query: \"customer_tags CONTAINS 'Gold'\") "
        "{ segment { query } userErrors { message } } }",
        {"id": gid},
    )
    assert updated["segmentUpdate"]["segment"] == {"query": "customer_tags CONTAINS 'Gold'"}
    deleted = devshop.data(
        "mutation($id: ID!) { segmentDelete(id: $id) { deletedSegmentId userErrors { message } } }",
        {"id": gid},
    )
    assert deleted["segmentDelete"] == {"deletedSegmentId": gid, "userErrors": []}
    again = devshop.data(
        "mutation($id: ID!) { segmentDelete(id: $id) { deletedSegmentId userErrors { field } } }",
        {"id": gid},
    )
    assert again["segmentDelete"] == {"deletedSegmentId": None, "userErrors": [{"field": ["id"]}]}


# --- automatic discounts ---------------------------------------------------------------------


def test_an_automatic_discount_for_a_segment_is_stored_and_read_back(devshop):
    segment_gid = _segment(devshop)

    node = _gold_discount(devshop, segment_gid)

    assert node["automaticDiscount"] == {
        "title": "Gold members: 10% off",
        "status": "ACTIVE",
        "tags": ["loyalty-vip-tier-1"],
        "context": {"segments": [{"id": segment_gid, "name": "Gold members"}]},
        "customerGets": {"value": {"percentage": 0.1}},
    }
    row = DevAutomaticDiscount.objects.get(shop=devshop.shop)
    assert (row.value, row.context_all, row.segment_ids) == (
        Decimal("0.1"), False, [int(segment_gid.rsplit("/", 1)[-1])],
    )  # fmt: skip
    listed = devshop.data(
        'query { discountNodes(first: 5, query: "tag:loyalty-vip-tier-1") '
        "{ nodes { id discount { __typename ... on DiscountAutomaticBasic { title } } } } }"
    )
    assert listed["discountNodes"]["nodes"] == [
        {
            "id": node["id"],
            "discount": {"__typename": "DiscountAutomaticBasic", "title": "Gold members: 10% off"},
        }
    ]


def test_an_unknown_segment_or_a_bad_percentage_is_refused_and_nothing_is_stored(devshop):
    payload = devshop.data(
        DISCOUNT_CREATE,
        {
            "discount": {
                "title": "Oops",
                "startsAt": "2026-01-01T00:00:00Z",
                "context": {"customerSegments": {"add": ["gid://shopify/Segment/1"]}},
                "customerGets": {"value": {"percentage": 1.5}, "items": {"all": True}},
            }
        },
    )["discountAutomaticBasicCreate"]

    assert payload["automaticDiscountNode"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["automaticBasicDiscount", "context", "customerSegments", "add"], "INVALID"),
        (["automaticBasicDiscount", "customerGets", "value", "percentage"], "VALUE_OUTSIDE_RANGE"),
    ]
    assert not DevAutomaticDiscount.objects.exists()


def test_update_changes_the_value_and_delete_removes_it(devshop):
    node = _gold_discount(devshop, _segment(devshop))

    updated = devshop.data(
        "mutation($id: ID!, $d: DiscountAutomaticBasicInput!) { discountAutomaticBasicUpdate("
        "id: $id, automaticBasicDiscount: $d) { automaticDiscountNode { automaticDiscount { "
        "... on DiscountAutomaticBasic { title customerGets { value { ... on DiscountPercentage "
        "{ percentage } } } } } } userErrors { message } } }",
        {
            "id": node["id"],
            "d": {"title": "Gold: 15% off", "customerGets": {"value": {"percentage": 0.15}}},
        },
    )["discountAutomaticBasicUpdate"]
    deleted = devshop.data(
        "mutation($id: ID!) { discountAutomaticDelete(id: $id) { deletedAutomaticDiscountId } }",
        {"id": node["id"]},
    )

    assert updated["automaticDiscountNode"]["automaticDiscount"] == {
        "title": "Gold: 15% off",
        "customerGets": {"value": {"percentage": 0.15}},
    }
    assert deleted["discountAutomaticDelete"] == {"deletedAutomaticDiscountId": node["id"]}
    assert not DevAutomaticDiscount.objects.exists()


# --- at checkout -----------------------------------------------------------------------------


def _checkout_total(client, root) -> str:
    page = client.get(f"{root}checkout").content.decode()
    return page.split('id="checkout-total"><strong>')[1].split("<")[0]


def test_the_discount_applies_at_checkout_for_a_gold_member_only(client, devshop, root, mug):
    _gold_discount(devshop, _segment(devshop))
    gold = _shopper(devshop, "Gail", "VIP Gold")

    _sign_in(client, gold)
    _add(client, mug)
    page = client.get(f"{root}checkout").content.decode()
    assert 'id="checkout-automatic-title">Gold members: 10% off<' in page
    # No error: no empty alert, and the code field is not marked invalid (Liquid's "" is truthy).
    assert 'role="alert"' not in page and "aria-invalid" not in page
    assert _checkout_total(client, root) == "36.00 USD"
    paid = _pay(client)

    assert paid.status_code == 303, paid.content
    order = DevOrder.objects.get(customer=gold)
    assert (order.total_discounts, order.total_price) == (Decimal("4.00"), Decimal("36.00"))
    assert order.discount_codes == []
    thank_you = client.get(paid["Location"]).content.decode()
    assert 'class="order-automatic-discount">Gold members: 10% off<' in thank_you
    assert DevAutomaticDiscount.objects.get().usage_count == 1


@pytest.mark.parametrize("who", ["guest", "silver"])
def test_the_discount_does_not_apply_to_a_guest_or_a_silver_member(client, devshop, root, mug, who):
    _gold_discount(devshop, _segment(devshop))
    fields = {"email": "guest@example.com"}
    if who == "silver":
        _sign_in(client, _shopper(devshop, "Sam", "VIP Silver"))
        fields = {}

    _add(client, mug)
    assert "checkout-automatic-title" not in client.get(f"{root}checkout").content.decode()
    paid = _pay(client, **fields)

    assert paid.status_code == 303, paid.content
    order = DevOrder.objects.get(shop=devshop.shop)
    assert (order.total_discounts, order.total_price, order.automatic_discounts) == (
        Decimal("0"), Decimal("40.00"), [],
    )  # fmt: skip


def test_the_order_payload_carries_the_automatic_discount_like_shopifys(client, devshop, mug):
    _gold_discount(devshop, _segment(devshop))
    tea = products.product_create(
        shop=devshop.shop,
        title="Green Tea",
        variants=[VariantInput("Default Title", Decimal("12.35"))],
    ).variants.get()
    _sign_in(client, _shopper(devshop, "Gail", "VIP Gold"))
    _add(client, mug)
    _add(client, tea)

    assert _pay(client).status_code == 303

    delivery = DevWebhookDelivery.objects.filter(topic="orders/paid").get()
    body = json.loads(bytes(delivery.body))
    assert body["discount_applications"] == [
        {
            "target_type": "line_item",
            "type": "automatic",
            "value": "10.0",
            "value_type": "percentage",
            "allocation_method": "across",
            "target_selection": "all",
            "title": "Gold members: 10% off",
            "description": "Gold members: 10% off",
        }
    ]
    assert body["discount_codes"] == []
    assert (body["total_discounts"], body["subtotal_price"]) == ("5.24", "47.11")  # 10% of 52.35
    assert [
        [(a["amount"], a["discount_application_index"]) for a in line["discount_allocations"]]
        for line in body["line_items"]
    ] == [[("4.00", 0)], [("1.24", 0)]]


def test_a_code_stacks_on_the_automatic_discount_when_both_combine(client, devshop, root, mug):
    both = {"orderDiscounts": True, "productDiscounts": True, "shippingDiscounts": True}
    _gold_discount(devshop, _segment(devshop), combinesWith=both)
    _code(devshop, "FIVE", combinesWith=both, value={"discountAmount": {"amount": "5.00"}})
    _sign_in(client, _shopper(devshop, "Gail", "VIP Gold"))
    _add(client, mug)

    paid = _pay(client, "FIVE")

    assert paid.status_code == 303, paid.content
    order = DevOrder.objects.get(shop=devshop.shop)
    # 10 % of 40 = 4, then 5 off what is left: 40 - 4 - 5.
    assert (order.total_discounts, order.total_price) == (Decimal("9.00"), Decimal("31.00"))
    assert order.discount_codes == [{"code": "FIVE", "amount": "5.00", "type": "fixed_amount"}]
    body = json.loads(bytes(DevWebhookDelivery.objects.filter(topic="orders/paid").get().body))
    assert [a["type"] for a in body["discount_applications"]] == ["automatic", "discount_code"]
    assert [(a["amount"], a["discount_application_index"]) for a in body["line_items"][0][
        "discount_allocations"]] == [("4.00", 0), ("5.00", 1)]  # fmt: skip


def test_without_combining_the_better_discount_wins(client, devshop, root, mug):
    _gold_discount(devshop, _segment(devshop))  # combinesWith nothing
    _code(devshop, "TWO", value={"discountAmount": {"amount": "2.00"}})
    _code(devshop, "HALF", value={"percentage": 0.5})
    _sign_in(client, _shopper(devshop, "Gail", "VIP Gold"))
    _add(client, mug)

    refused = _pay(client, "TWO")  # 2.00 off loses to the member's 4.00 off
    assert refused.status_code == 422
    assert _alert(refused.content.decode()) == NOT_COMBINABLE
    assert not DevOrder.objects.exists()
    paid = _pay(client, "HALF")  # 20.00 off beats it: the code alone applies

    assert paid.status_code == 303, paid.content
    order = DevOrder.objects.get(shop=devshop.shop)
    assert (order.total_discounts, order.automatic_discounts) == (Decimal("20.00"), [])


def _code(devshop, code: str, *, value: dict, **fields):
    row, errors = discounts.discount_code_create(
        shop=devshop.shop,
        kind="basic",
        data={
            "title": code,
            "code": code,
            "startsAt": "2026-01-01T00:00:00Z",
            "context": {"all": "ALL"},
            "customerGets": {"value": value, "items": {"all": True}},
            **fields,
        },
    )
    assert errors == []
    return row
