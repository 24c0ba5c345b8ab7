"""The root fields devshop implements: queries and mutations over devshop's rows.

Each entry of ``QUERY`` / ``MUTATION`` takes the request ``Context`` and the field's arguments
(schema names) and returns presenter dicts. Root fields missing here are answered by the
executor with "devshop does not implement …". The fields live by subject: ``nodes``
(customers and orders), ``code_discounts``, ``automatic`` (segments and automatic discounts) and
``store`` (tags, metafields, webhook subscriptions, bulk operations, billing, the shop, themes);
this module adds ``node``/``nodes`` and merges their tables for the executor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

from devshop.graphql import automatic, code_discounts, nodes, store
from devshop.graphql.context import (
    Context,
    require_gid,
)

# --- node -----------------------------------------------------------------------------------


def q_node(ctx: Context, id: str) -> dict[str, Any] | None:
    kind, _ = require_gid(id)
    finder: Callable[..., Any] | None = {
        "Customer": nodes.q_customer,
        "Order": nodes.q_order,
        "BulkOperation": store.q_bulk_operation,
        "DiscountCodeNode": code_discounts.q_code_discount_node,
        "DiscountAutomaticNode": lambda ctx, id: automatic.q_discount_node(ctx, id=id),
        "Segment": lambda ctx, id: automatic.q_segment(ctx, id=id),
        "WebhookSubscription": store.q_webhook_subscription,
    }.get(kind)
    if finder is None:
        raise GraphQLError(
            f"devshop does not implement node(id:) for {kind}",
            extensions={"code": "DEVSHOP_NOT_IMPLEMENTED"},
        )
    return finder(ctx, id=id)


def q_nodes(ctx: Context, ids: list[str]) -> list[dict[str, Any] | None]:
    return [q_node(ctx, id=i) for i in ids]


QUERY: dict[str, Callable[..., Any]] = {
    "customer": nodes.q_customer,
    "customers": nodes.q_customers,
    "order": nodes.q_order,
    "orders": nodes.q_orders,
    "node": q_node,
    "nodes": q_nodes,
    **code_discounts.QUERY,
    **store.QUERY,
    **automatic.QUERY,
}

MUTATION: dict[str, Callable[..., Any]] = {
    **code_discounts.MUTATION,
    **store.MUTATION,
    **automatic.MUTATION,
}
