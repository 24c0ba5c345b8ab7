"""Bulk results are written by a compiled projection: the same lines graphql-core's executor
gives for the same query over the same rows (the executor, run here, is the oracle)."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from graphql import FieldNode, OperationDefinitionNode, get_named_type, parse

from devshop import conf
from devshop.graphql.executor import run_document
from devshop.graphql.projection import is_connection
from devshop.graphql.resolvers import Context
from devshop.graphql.schema import admin_schema
from devshop.services import bulk, customers, orders
from devshop.services.orders import LineInput
from shopify_app.graphql import sync as sync_documents

RICH = """
query Rich {
  orders(query: "financial_status:paid") {
    edges {
      cursor
      node {
        ...OrderBits
        gid: id
        __typename
        customer { ... on Node { id } displayName amountSpent { amount } tags }
        refunds { id createdAt totalRefundedSet { shopMoney { amount } } }
        items: lineItems {
          nodes {
            id
            qty: quantity @include(if: true)
            sku @skip(if: true)
            ... on LineItem { title originalUnitPriceSet { presentmentMoney { amount } } }
          }
        }
      }
    }
    pageInfo { hasNextPage }
  }
}
fragment OrderBits on Order {
  id
  name
  displayFinancialStatus
  currentTotalPriceSet { presentmentMoney { amount currencyCode } }
}
"""


@pytest.fixture
def history(devshop):
    shop = devshop.shop
    alice = customers.customer_create(
        shop=shop, first_name="Alice", email="alice@example.com", tags=["vip", "early"]
    )
    bob = customers.customer_create(shop=shop, email="bob@example.com")
    customers.customer_create(shop=shop, last_name="Nobody")  # no email, no orders
    first = orders.order_create(
        shop=shop,
        customer=alice,
        lines=[LineInput("Tea", Decimal("4.50"), 3), LineInput("Cup", Decimal("6"), 2)],
        shipping=Decimal("5"),
        tax=Decimal("1.20"),
        note_attributes=[("gift", "yes")],
    )
    tea = first.line_items.order_by("id").first()
    orders.order_refund(order=first, lines=[(tea.id, 1)], shipping=Decimal("5"))
    orders.order_create(shop=shop, customer=bob, lines=[LineInput("Pot", Decimal("30"))])
    orders.order_create(shop=shop, customer=None, lines=[LineInput("Mug", Decimal("9"))])
    pending = orders.order_create(
        shop=shop, customer=bob, lines=[LineInput("Kit", Decimal("34"))], paid=False
    )
    orders.order_cancel(order=pending)
    return devshop


def _executor_lines(devshop, query: str) -> list[dict]:
    """What the executor answers for ``query``, split into bulk lines (nested connections'
    nodes after their parent, with ``__parentId``)."""
    schema = admin_schema()
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    root = operation.selection_set.selections[0]
    assert isinstance(root, FieldNode)
    installation = devshop.shop.installation
    ctx = Context(
        shop=devshop.shop, installation=installation, scopes=set(installation.scope_list),
        bulk=True, bulk_page_size=250,
    )  # fmt: skip
    result = run_document(ctx, document, {}, None)
    assert result.errors is None, result.errors
    assert not ctx.cache["bulk_page_info"]["hasNextPage"]
    page = result.data[root.alias.value if root.alias else root.name.value]
    connection_type = get_named_type(schema.query_type.fields[root.name.value].type)
    node_type = get_named_type(connection_type.fields["nodes"].type)
    lines: list[dict] = []
    for node in _nodes(page):
        lines += _split(node_type, node, None)
    return lines


def _nodes(page: dict) -> list[dict]:
    return page["nodes"] if "nodes" in page else [edge["node"] for edge in page["edges"]]


ALIASES = {"items": "lineItems"}  # RICH's aliased connection


def _split(node_type, node: dict, parent_id: str | None) -> list[dict]:
    line = dict(node)
    children = []
    for key in node:
        field = node_type.fields.get(ALIASES.get(key, key))
        if field is not None and is_connection(get_named_type(field.type)):
            children.append((get_named_type(field.type), line.pop(key)))
    if parent_id is not None:
        line["__parentId"] = parent_id
    out = [line]
    for connection_type, page in children:
        child_type = get_named_type(connection_type.fields["nodes"].type)
        for child in _nodes(page):
            out += _split(child_type, child, node["id"])
    return out


def _bulk_lines(devshop, query: str) -> list[dict]:
    operation, errors = bulk.bulk_operation_create(
        shop=devshop.shop, query=query, group_objects=False
    )
    assert operation is not None, errors
    operation = bulk.bulk_operation_run(operation=operation)
    assert operation.status == "COMPLETED", operation.error_code
    path = conf.bulk_results_dir() / operation.file_name
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


@pytest.mark.parametrize(
    "query",
    [sync_documents.CUSTOMERS_BULK_QUERY, sync_documents.ORDERS_BULK_QUERY, RICH],
    ids=["sync-customers", "sync-orders", "aliases-fragments-directives"],
)
def test_bulk_lines_equal_the_executors_answer(history, query):
    expected = _executor_lines(history, query)

    lines = _bulk_lines(history, query)

    assert lines == expected
    assert len(lines) >= 3


def test_a_field_devshop_does_not_serve_fails_the_operation(history):
    operation, errors = bulk.bulk_operation_create(
        shop=history.shop, query="{ orders { nodes { id clientIp } } }", group_objects=False
    )
    assert operation is not None, errors

    operation = bulk.bulk_operation_run(operation=operation)

    assert operation.status == "FAILED"
    assert operation.error_code == "INTERNAL_SERVER_ERROR"
