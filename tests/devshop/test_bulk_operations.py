# ruff: noqa: E501
"""Bulk query operations: lifecycle, Shopify's JSONL with __parentId, the finish webhook."""

from __future__ import annotations

import json
from decimal import Decimal

from devshop import conf
from devshop.models import DevBulkOperation
from devshop.services import bulk, customers, orders
from devshop.services.orders import LineInput
from devshop.webhooks.models import DevWebhookDelivery

RUN = """mutation($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: false) {
  bulkOperation { id status } userErrors { field message code } } }"""
POLL = "query($id: ID!) { bulkOperation(id: $id) { id status objectCount rootObjectCount url errorCode } }"
ORDERS = """{ orders { edges { node { id name
  lineItems { edges { node { id title quantity } } }
} } } }"""


def _orders(devshop):
    alice = customers.customer_create(shop=devshop.shop, email="alice@example.com")
    first = orders.order_create(
        shop=devshop.shop,
        customer=alice,
        lines=[LineInput("Tea", Decimal("4")), LineInput("Cup", Decimal("6"), 2)],
    )
    second = orders.order_create(
        shop=devshop.shop, customer=None, lines=[LineInput("Pot", Decimal("30"))]
    )
    return first, second


def test_lifecycle_and_jsonl_with_parent_ids(devshop):
    first, second = _orders(devshop)

    started = devshop.data(RUN, {"q": ORDERS})["bulkOperationRunQuery"]
    op_id = started["bulkOperation"]["id"]
    running = devshop.data(POLL, {"id": op_id})["bulkOperation"]
    done = devshop.data(POLL, {"id": op_id})["bulkOperation"]

    assert started["userErrors"] == [] and started["bulkOperation"]["status"] == "CREATED"
    assert running["status"] == "RUNNING"
    assert done["status"] == "COMPLETED"
    assert done["objectCount"] == "5" and done["rootObjectCount"] == "2"
    lines = [
        json.loads(line)
        for line in devshop.client.get(done["url"].removeprefix("http://testserver"))
        .getvalue()
        .decode()
        .splitlines()
    ]
    tea, cup = first.line_items.order_by("id")
    pot = second.line_items.get()
    assert lines == [
        {"id": first.gid, "name": first.name},
        {
            "id": f"gid://shopify/LineItem/{tea.id}",
            "title": "Tea",
            "quantity": 1,
            "__parentId": first.gid,
        },
        {
            "id": f"gid://shopify/LineItem/{cup.id}",
            "title": "Cup",
            "quantity": 2,
            "__parentId": first.gid,
        },
        {"id": second.gid, "name": second.name},
        {
            "id": f"gid://shopify/LineItem/{pot.id}",
            "title": "Pot",
            "quantity": 1,
            "__parentId": second.gid,
        },
    ]


def test_pages_through_many_roots(devshop, monkeypatch):
    for i in range(7):
        customers.customer_create(shop=devshop.shop, email=f"c{i}@example.com")
    operation, _ = bulk.bulk_operation_create(
        shop=devshop.shop, query="{ customers { nodes { id email } } }", group_objects=False
    )
    monkeypatch.setattr(bulk, "BULK_PAGE_SIZE", 3)  # small pages exercise the cursor loop

    operation = bulk.bulk_operation_run(operation=operation)

    assert operation.status == "COMPLETED"
    assert operation.root_object_count == operation.object_count == 7
    path = conf.bulk_results_dir() / operation.file_name
    emails = [json.loads(line)["email"] for line in path.read_text().splitlines()]
    assert emails == [f"c{i}@example.com" for i in range(7)]


def test_deprecated_current_bulk_operation_and_node(devshop):
    _orders(devshop)
    op_id = devshop.data(RUN, {"q": ORDERS})["bulkOperationRunQuery"]["bulkOperation"]["id"]

    current = devshop.data("{ currentBulkOperation { id status } }")["currentBulkOperation"]
    node = devshop.data(
        "query($id: ID!) { node(id: $id) { ... on BulkOperation { status } } }", {"id": op_id}
    )["node"]

    assert current == {"id": op_id, "status": "RUNNING"}
    assert node == {"status": "COMPLETED"}


def test_finish_webhook_is_queued(devshop):
    _orders(devshop)
    operation, _ = bulk.bulk_operation_create(shop=devshop.shop, query=ORDERS, group_objects=False)

    bulk.bulk_operation_run(operation=operation)

    delivery = DevWebhookDelivery.objects.get(topic="bulk_operations/finish")
    assert json.loads(delivery.body)["admin_graphql_api_id"] == operation.gid


def test_query_without_connection_is_a_user_error(devshop):
    payload = devshop.data(RUN, {"q": "{ shop { name } }"})["bulkOperationRunQuery"]

    assert payload == {
        "bulkOperation": None,
        "userErrors": [
            {
                "field": ["query"],
                "message": "Bulk queries must contain at least one connection.",
                "code": "INVALID",
            }
        ],
    }


def test_invalid_inner_query_is_a_user_error(devshop):
    payload = devshop.data(RUN, {"q": "{ orders { nodes { nope } } }"})["bulkOperationRunQuery"]

    assert (
        payload["userErrors"][0]["message"]
        == "Invalid bulk query: Field 'nope' doesn't exist on type 'Order'"
    )


def test_nesting_deeper_than_two_is_refused(devshop):
    deep = "{ customers { nodes { id orders { nodes { id lineItems { nodes { id } } } } } } }"

    payload = devshop.data(RUN, {"q": deep})["bulkOperationRunQuery"]

    assert payload["userErrors"][0]["message"] == (
        "Bulk queries cannot contain connections with a nesting depth greater than 2."
    )
    assert not DevBulkOperation.objects.exists()


LIST = """query($q: String) { bulkOperations(first: 10, query: $q) {
  nodes { id status query } } }"""


def test_bulk_operations_lists_newest_first_and_filters(devshop):
    first, _ = bulk.bulk_operation_create(shop=devshop.shop, query=ORDERS, group_objects=False)
    bulk.bulk_operation_run(operation=first)
    devshop.advance(60)
    second, _ = bulk.bulk_operation_create(
        shop=devshop.shop, query="{ customers { nodes { id } } }", group_objects=False
    )

    every = devshop.data(LIST)["bulkOperations"]["nodes"]
    completed = devshop.data(LIST, {"q": "operation_type:query status:completed"})
    recent = devshop.data(LIST, {"q": f"created_at:>='{second.created_at.isoformat()}'"})

    assert [(n["id"], n["status"]) for n in every] == [
        (second.gid, "CREATED"),  # listing does not move an operation along
        (first.gid, "COMPLETED"),
    ]
    assert every[1]["query"] == ORDERS
    assert [n["id"] for n in completed["bulkOperations"]["nodes"]] == [first.gid]
    assert [n["id"] for n in recent["bulkOperations"]["nodes"]] == [second.gid]


def test_shop_controls_show_root_and_all_objects(devshop):
    _orders(devshop)
    op_id = devshop.data(RUN, {"q": ORDERS})["bulkOperationRunQuery"]["bulkOperation"]["id"]
    bulk.bulk_operation_run(operation=DevBulkOperation.objects.get(pk=int(op_id.split("/")[-1])))

    page = devshop.client.get("/devshop/shops/alice-shop.myshopify.com/").content.decode()

    # Two orders and their three line items: objectCount alone (5) read as "5 orders".
    assert "<th" in page and "Root objects" in page and "All objects" in page
    assert "<td>COMPLETED</td><td>2</td><td>5</td>" in page
