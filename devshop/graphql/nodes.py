"""Customers and orders, the two node types that hold each other (a customer's orders, an
order's customer): their presenters with nested connections, and the root fields."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from devshop import clock
from devshop.graphql import presenters
from devshop.graphql.context import (
    ORDER_WINDOW,
    Context,
    has_scope,
    invalid_id,
    page_args,
    parse_gid,
    require_scope,
    root_page,
    sort_key,
)
from devshop.graphql.pagination import (
    SearchField,
    apply_search,
    connection,
    list_connection,
)
from devshop.models import (
    DevCustomer,
    DevLineItem,
    DevMetafield,
    DevOrder,
    DevRefund,
    DevRefundLineItem,
)
from devshop.services import customers

# --- customers ------------------------------------------------------------------------------

CUSTOMER_SEARCH = {
    "updated_at": SearchField("updated_at", "datetime"),
    "created_at": SearchField("created_at", "datetime"),
    "email": SearchField("email"),
    "phone": SearchField("phone"),
    "state": SearchField("state"),
    "first_name": SearchField("first_name"),
    "last_name": SearchField("last_name"),
    "id": SearchField("id", "int"),
    "tag": SearchField("tags__icontains"),
}


def q_customer(ctx: Context, id: str) -> dict[str, Any] | None:
    require_scope(ctx, "read_customers", "customer")
    parsed = parse_gid(id, "Customer")
    if parsed is None:
        raise invalid_id(id)
    row = customer_queryset(ctx).filter(id=parsed[1]).first()
    return customer_node(ctx, row) if row else None


def q_customers(ctx: Context, **args: Any) -> dict[str, Any]:
    require_scope(ctx, "read_customers", "customers")
    qs = apply_search(
        customer_queryset(ctx),
        args.get("query"),
        CUSTOMER_SEARCH,
        free_text=lambda t: (
            Q(email__icontains=t) | Q(first_name__icontains=t) | Q(last_name__icontains=t)
        ),
    )
    page = connection(
        qs,
        present=lambda row: customer_node(ctx, row),
        typename="Customer",
        reverse=bool(args.get("reverse")),
        sort=sort_key(args.get("sortKey")),
        **page_args(ctx, args, root=True),
    )
    return root_page(ctx, page)


# --- the customer node (orders, discounts and tags return it too) ---------------------------


def customer_node(ctx: Context, row: DevCustomer) -> dict[str, Any]:
    def metafield(key: str, namespace: str | None = None) -> dict[str, Any] | None:
        found = DevMetafield.objects.filter(
            shop=ctx.shop,
            owner_gid=row.gid,
            namespace=customers.resolve_namespace(namespace),
            key=key,
        ).first()
        return presenters.metafield(found) if found else None

    def orders(**args: Any) -> dict[str, Any]:
        require_scope(ctx, "read_orders", "orders")
        qs = _visible_orders(ctx).filter(customer=row)
        return _order_connection(ctx, qs, args, root=False)

    return presenters.customer(row, currency=ctx.shop.currency, orders=orders, metafield=metafield)


def customer_queryset(ctx: Context) -> QuerySet:
    return DevCustomer.objects.filter(shop=ctx.shop)


# --- orders ---------------------------------------------------------------------------------

ORDER_SEARCH = {
    "updated_at": SearchField("updated_at", "datetime"),
    "created_at": SearchField("created_at", "datetime"),
    "processed_at": SearchField("processed_at", "datetime"),
    "id": SearchField("id", "int"),
    "customer_id": SearchField("customer_id", "int"),
    "financial_status": SearchField("financial_status"),
    "email": SearchField("email"),
    "name": SearchField("number", "int"),
    "test": SearchField("test", "exact"),
}


def _visible_orders(ctx: Context) -> QuerySet:
    qs = DevOrder.objects.filter(shop=ctx.shop)
    if not has_scope(ctx, "read_all_orders"):
        qs = qs.filter(created_at__gte=clock.now() - ORDER_WINDOW)
    return qs


def _with_children(qs: QuerySet) -> QuerySet:
    """Orders with their customer, line items and refunds (with their lines) in a few queries.

    The children go to plain list attributes (``to_attr``): Django then skips building a
    queryset per order, which dominated a bulk export's time. The shop is not joined: every
    row is ``ctx.shop``'s.
    """
    return qs.select_related("customer").prefetch_related(
        Prefetch("line_items", queryset=DevLineItem.objects.order_by("id"), to_attr="line_rows"),
        Prefetch(
            "refunds",
            queryset=DevRefund.objects.order_by("id").prefetch_related(
                Prefetch(
                    "line_items", queryset=DevRefundLineItem.objects.order_by("id"),
                    to_attr="line_rows",
                )
            ),
            to_attr="refund_rows",
        ),
    )  # fmt: skip


def order_node(ctx: Context, row: DevOrder) -> dict[str, Any]:
    """``row`` comes from ``_with_children`` (its ``line_rows`` and ``refund_rows``)."""
    refunds = row.refund_rows
    refunded_by_line: dict[int, int] = {}
    refunded_subtotal = sum((r.amount - r.shipping_amount for r in refunds), start=Decimal("0"))
    for refund in refunds:
        for rli in refund.line_rows:
            refunded_by_line[rli.line_item_id] = (
                refunded_by_line.get(rli.line_item_id, 0) + rli.quantity
            )
    lines = {item.id: item for item in row.line_rows}
    currency = row.currency

    def present_line(item: DevLineItem) -> dict[str, Any]:
        return presenters.line_item(item, currency, refunded_by_line.get(item.id, 0))

    def line_items(**args: Any) -> dict[str, Any]:
        return list_connection(
            list(lines.values()),
            present=present_line,
            typename="LineItem",
            unbounded=ctx.bulk,
            reverse=bool(args.get("reverse")),
            **{k: args.get(k) for k in ("first", "after", "last", "before")},
        )

    def children(rows: list[Any], present: Callable, typename: str, args: dict[str, Any]):
        return list_connection(
            rows,
            present=present,
            typename=typename,
            unbounded=ctx.bulk,
            reverse=bool(args.get("reverse")),
            **{k: args.get(k) for k in ("first", "after", "last", "before")},
        )

    def present_refund(refund: DevRefund) -> dict[str, Any]:
        def refund_lines(**args: Any) -> dict[str, Any]:
            return children(
                list(refund.line_rows),
                lambda rli: presenters.refund_line_item(
                    rli, currency, present_line(lines[rli.line_item_id])
                ),
                "RefundLineItem",
                args,
            )

        # devshop keeps no transaction or shipping-line rows: each refund has exactly one
        # refund transaction (its amount), and one refund shipping line when it refunded
        # shipping. Both are keyed by the refund.
        def transactions(**args: Any) -> dict[str, Any]:
            return children(
                [refund],
                lambda r: presenters.refund_transaction(r, currency, test=row.test),
                "OrderTransaction",
                args,
            )

        def shipping_lines(**args: Any) -> dict[str, Any]:
            refunded = [refund] if refund.shipping_amount else []
            return children(
                refunded,
                lambda r: presenters.refund_shipping_line(r, currency),
                "RefundShippingLine",
                args,
            )

        return presenters.refund(
            refund,
            currency,
            order_node=lambda: node,
            refund_line_items=refund_lines,
            transactions=transactions,
            refund_shipping_lines=shipping_lines,
        )

    def refunds_field(first: int | None = None) -> list[dict[str, Any]]:
        chosen = refunds[:first] if first is not None else refunds
        return [present_refund(r) for r in chosen]

    def customer() -> dict[str, Any] | None:
        if row.customer is None or not has_scope(ctx, "read_customers"):
            return None
        return customer_node(ctx, row.customer)

    node = presenters.order(
        row,
        customer_node=customer,
        line_items=line_items,
        refunds=refunds_field,
        refunded=sum((r.amount for r in refunds), start=Decimal("0")),
        refunded_subtotal=refunded_subtotal,
    )
    return node


def _order_connection(
    ctx: Context, qs: QuerySet, args: dict[str, Any], *, root: bool
) -> dict[str, Any]:
    qs = apply_search(
        qs, args.get("query"), ORDER_SEARCH, free_text=lambda t: Q(email__icontains=t)
    )
    page = connection(
        _with_children(qs),
        present=lambda row: order_node(ctx, row),
        typename="Order",
        reverse=bool(args.get("reverse")),
        sort=sort_key(args.get("sortKey")),
        **page_args(ctx, args, root=root),
    )
    return root_page(ctx, page) if root else page


def q_order(ctx: Context, id: str) -> dict[str, Any] | None:
    require_scope(ctx, "read_orders", "order")
    parsed = parse_gid(id, "Order")
    if parsed is None:
        raise invalid_id(id)
    row = _with_children(_visible_orders(ctx).filter(id=parsed[1])).first()
    return order_node(ctx, row) if row else None


def q_orders(ctx: Context, **args: Any) -> dict[str, Any]:
    require_scope(ctx, "read_orders", "orders")
    return _order_connection(ctx, _visible_orders(ctx), args, root=True)
