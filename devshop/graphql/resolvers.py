"""The root fields devshop implements: queries and mutations over devshop's rows.

Each entry of ``QUERY`` / ``MUTATION`` takes the request ``Context`` and the field's arguments
(schema names) and returns presenter dicts. Root fields missing here are answered by the
executor with "devshop does not implement …".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from graphql import GraphQLError

from devshop import clock, conf
from devshop.graphql import presenters
from devshop.graphql.pagination import (
    SearchField,
    SortKey,
    apply_search,
    connection,
    list_connection,
)
from devshop.models import (
    DevAppInstallation,
    DevAppSubscription,
    DevBulkOperation,
    DevCustomer,
    DevDiscountCode,
    DevLineItem,
    DevMetafield,
    DevOrder,
    DevRefund,
    DevRefundLineItem,
    DevShop,
    DevTheme,
    DevWebhookSubscription,
)
from devshop.services import billing, bulk, customers, discounts, subscriptions, themes

# Orders older than this are invisible without `read_all_orders` (Shopify's rule).
ORDER_WINDOW = timedelta(days=60)


@dataclass
class Context:
    shop: DevShop
    installation: DevAppInstallation
    scopes: set[str]
    # Bulk operations run the same resolvers: the root connection pages by `bulk_after`
    # and nested connections return every child.
    bulk: bool = False
    bulk_after: str | None = None
    bulk_page_size: int = 250
    cache: dict[str, Any] = field(default_factory=dict)


# --- ids and scopes -------------------------------------------------------------------------


def parse_gid(value: str, kind: str | None = None) -> tuple[str, int] | None:
    if not isinstance(value, str) or not value.startswith("gid://shopify/"):
        return None
    parts = value.removeprefix("gid://shopify/").split("?", 1)[0].split("/")
    if len(parts) != 2 or not parts[1].isdigit():
        return None
    if kind is not None and parts[0] != kind:
        return None
    return parts[0], int(parts[1])


def _invalid_id(value: Any) -> GraphQLError:
    return GraphQLError(
        f"Invalid global id '{value}'", extensions={"code": "argumentLiteralsIncompatible"}
    )


def _require_gid(value: Any) -> tuple[str, int]:
    parsed = parse_gid(value)
    if parsed is None:
        raise _invalid_id(value)
    return parsed


def _has(ctx: Context, scope: str) -> bool:
    if scope in ctx.scopes:
        return True
    # write_x implies read_x.
    return scope.startswith("read_") and f"write_{scope[5:]}" in ctx.scopes


def require_scope(ctx: Context, scope: str, field_name: str) -> None:
    if not _has(ctx, scope):
        raise GraphQLError(
            f"Access denied for {field_name} field. Required access: `{scope}` access scope.",
            extensions={
                "code": "ACCESS_DENIED",
                "documentation": "https://shopify.dev/api/usage/access-scopes",
                "requiredAccess": f"`{scope}` access scope.",
            },
        )


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
SORT_KEYS = {
    "ID": SortKey("id"),
    "UPDATED_AT": SortKey("updated_at"),
    "CREATED_AT": SortKey("created_at"),
    "PROCESSED_AT": SortKey("processed_at"),
}


def _sort(sort_key: str | None) -> SortKey:
    if sort_key is None or sort_key == "RELEVANCE":
        return SORT_KEYS["ID"]
    if sort_key not in SORT_KEYS:
        raise GraphQLError(f"devshop does not implement sortKey {sort_key}")
    return SORT_KEYS[sort_key]


def _page_args(ctx: Context, args: dict[str, Any], *, root: bool = False) -> dict[str, Any]:
    if ctx.bulk and root:
        return {
            "first": ctx.bulk_page_size, "after": ctx.bulk_after,
            "page_limit": ctx.bulk_page_size,
        }  # fmt: skip
    if ctx.bulk:
        return {"unbounded": True}
    return {k: args.get(k) for k in ("first", "after", "last", "before")}


def _root_page(ctx: Context, page: dict[str, Any]) -> dict[str, Any]:
    """Bulk runs page the root connection themselves: remember where this page ended."""
    if ctx.bulk:
        ctx.cache["bulk_page_info"] = page["pageInfo"]
    return page


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


def _customer_queryset(ctx: Context) -> QuerySet:
    return DevCustomer.objects.filter(shop=ctx.shop)


def q_customer(ctx: Context, id: str) -> dict[str, Any] | None:
    require_scope(ctx, "read_customers", "customer")
    parsed = parse_gid(id, "Customer")
    if parsed is None:
        raise _invalid_id(id)
    row = _customer_queryset(ctx).filter(id=parsed[1]).first()
    return customer_node(ctx, row) if row else None


def q_customers(ctx: Context, **args: Any) -> dict[str, Any]:
    require_scope(ctx, "read_customers", "customers")
    qs = apply_search(
        _customer_queryset(ctx),
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
        sort=_sort(args.get("sortKey")),
        **_page_args(ctx, args, root=True),
    )
    return _root_page(ctx, page)


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
    if not _has(ctx, "read_all_orders"):
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
        if row.customer is None or not _has(ctx, "read_customers"):
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
        sort=_sort(args.get("sortKey")),
        **_page_args(ctx, args, root=root),
    )
    return _root_page(ctx, page) if root else page


def q_order(ctx: Context, id: str) -> dict[str, Any] | None:
    require_scope(ctx, "read_orders", "order")
    parsed = parse_gid(id, "Order")
    if parsed is None:
        raise _invalid_id(id)
    row = _with_children(_visible_orders(ctx).filter(id=parsed[1])).first()
    return order_node(ctx, row) if row else None


def q_orders(ctx: Context, **args: Any) -> dict[str, Any]:
    require_scope(ctx, "read_orders", "orders")
    return _order_connection(ctx, _visible_orders(ctx), args, root=True)


# --- discounts ------------------------------------------------------------------------------


def discount_node(ctx: Context, row: DevDiscountCode) -> dict[str, Any]:
    def context_customers() -> list[dict[str, Any]]:
        rows = _customer_queryset(ctx).filter(id__in=row.context_customer_ids).order_by("id")
        return [customer_node(ctx, c) for c in rows]

    return presenters.discount_node(row, customers=context_customers)


def q_code_discount_node(ctx: Context, id: str) -> dict[str, Any] | None:
    require_scope(ctx, "read_discounts", "codeDiscountNode")
    row = discounts.discount_code_get(shop=ctx.shop, node_gid=id)
    return discount_node(ctx, row) if row else None


def q_code_discount_node_by_code(ctx: Context, code: str) -> dict[str, Any] | None:
    require_scope(ctx, "read_discounts", "codeDiscountNodeByCode")
    row = discounts.discount_code_by_code(shop=ctx.shop, code=code)
    return discount_node(ctx, row) if row else None


def _discount_errors(errors: list[discounts.DiscountUserError]) -> list[dict[str, Any]]:
    return [
        {
            "__typename": "DiscountUserError",
            "field": e.field,
            "message": e.message,
            "code": e.code,
            "extraInfo": None,
        }
        for e in errors
    ]


def _discount_create(
    ctx: Context, kind: str, field_name: str, data: dict[str, Any]
) -> dict[str, Any]:
    require_scope(ctx, "write_discounts", field_name)
    try:
        row, errors = discounts.discount_code_create(shop=ctx.shop, kind=kind, data=data)
    except discounts.NotEmulated as exc:
        raise GraphQLError(exc.message, extensions={"code": "DEVSHOP_NOT_IMPLEMENTED"}) from None
    return {
        "codeDiscountNode": discount_node(ctx, row) if row else None,
        "userErrors": _discount_errors(errors),
    }


def m_discount_code_basic_create(ctx: Context, basicCodeDiscount: dict[str, Any]) -> dict[str, Any]:
    return _discount_create(
        ctx, DevDiscountCode.Kind.BASIC, "discountCodeBasicCreate", basicCodeDiscount
    )


def m_discount_code_free_shipping_create(
    ctx: Context, freeShippingCodeDiscount: dict[str, Any]
) -> dict[str, Any]:
    return _discount_create(
        ctx,
        DevDiscountCode.Kind.FREE_SHIPPING,
        "discountCodeFreeShippingCreate",
        freeShippingCodeDiscount,
    )


def _missing_discount(id: str) -> list[dict[str, Any]]:
    return _discount_errors(
        [discounts.DiscountUserError(["id"], "Discount does not exist", "INVALID")]
    )


def m_discount_code_delete(ctx: Context, id: str) -> dict[str, Any]:
    require_scope(ctx, "write_discounts", "discountCodeDelete")
    row = discounts.discount_code_get(shop=ctx.shop, node_gid=id)
    if row is None:
        return {"deletedCodeDiscountId": None, "userErrors": _missing_discount(id)}
    discounts.discount_code_delete(discount=row)
    return {"deletedCodeDiscountId": row.gid, "userErrors": []}


def m_discount_code_deactivate(ctx: Context, id: str) -> dict[str, Any]:
    require_scope(ctx, "write_discounts", "discountCodeDeactivate")
    row = discounts.discount_code_get(shop=ctx.shop, node_gid=id)
    if row is None:
        return {"codeDiscountNode": None, "userErrors": _missing_discount(id)}
    return {
        "codeDiscountNode": discount_node(ctx, discounts.discount_code_deactivate(discount=row)),
        "userErrors": [],
    }


# --- tags and metafields --------------------------------------------------------------------


def _tags(ctx: Context, id: str, tags: list[str], *, add: bool) -> dict[str, Any]:
    kind, number = _require_gid(id)
    field_name = "tagsAdd" if add else "tagsRemove"
    if kind != "Customer":
        raise GraphQLError(
            f"devshop does not implement {field_name} on {kind}",
            extensions={"code": "DEVSHOP_NOT_IMPLEMENTED"},
        )
    require_scope(ctx, "write_customers", field_name)
    # A comma-separated string in the list is split, as Shopify does.
    split = [part for tag in tags for part in tag.split(",")]
    row = _customer_queryset(ctx).filter(id=number).first()
    if row is None:
        return {
            "node": None,
            "userErrors": [
                {"__typename": "UserError", "field": ["id"], "message": "Customer does not exist"}
            ],
        }
    if add:
        row = customers.customer_tags_change(customer=row, add=split)
    else:
        row = customers.customer_tags_change(customer=row, remove=split)
    return {"node": customer_node(ctx, row), "userErrors": []}


def m_tags_add(ctx: Context, id: str, tags: list[str]) -> dict[str, Any]:
    return _tags(ctx, id, tags, add=True)


def m_tags_remove(ctx: Context, id: str, tags: list[str]) -> dict[str, Any]:
    return _tags(ctx, id, tags, add=False)


def _owner_exists(ctx: Context, owner: str) -> bool:
    parsed = parse_gid(owner)
    if parsed is None:
        return False
    kind, number = parsed
    if kind == "Customer":
        return DevCustomer.objects.filter(shop=ctx.shop, id=number).exists()
    if kind == "Order":
        return DevOrder.objects.filter(shop=ctx.shop, id=number).exists()
    if kind == "Shop":
        return number == ctx.shop.id
    if kind == "AppInstallation":  # app-data metafields: only the calling app's installation
        return number == ctx.installation.pk
    return False


def m_metafields_set(ctx: Context, metafields: list[dict[str, Any]]) -> dict[str, Any]:
    if len(metafields) > customers.MAX_METAFIELDS_PER_CALL:
        raise GraphQLError(
            f"The input array size of {len(metafields)} is greater than the maximum allowed of "
            f"{customers.MAX_METAFIELDS_PER_CALL}.",
            extensions={"code": "MAX_INPUT_SIZE_EXCEEDED"},
        )
    for item in metafields:
        kind = (parse_gid(item["ownerId"]) or ("?", 0))[0]
        scope = {"Customer": "write_customers", "Order": "write_orders"}.get(kind)
        if scope:
            require_scope(ctx, scope, "metafieldsSet")
    rows, errors = customers.metafields_set(
        shop=ctx.shop, inputs=metafields, owner_exists=lambda gid: _owner_exists(ctx, gid)
    )
    return {
        "metafields": [presenters.metafield(r) for r in rows] if not errors else [],
        "userErrors": [
            {
                "__typename": "MetafieldsSetUserError",
                "field": ["metafields", str(e.index), e.field],
                "message": e.message,
                "code": e.code,
                "elementIndex": e.index,
            }
            for e in errors
        ],
    }


# --- webhook subscriptions ------------------------------------------------------------------


def q_webhook_subscriptions(ctx: Context, **args: Any) -> dict[str, Any]:
    qs = DevWebhookSubscription.objects.filter(shop=ctx.shop)
    if args.get("topics"):
        qs = qs.filter(topic__in=args["topics"])
    if args.get("uri") or args.get("callbackUrl"):
        qs = qs.filter(uri=args.get("uri") or args.get("callbackUrl"))
    if args.get("format"):
        qs = qs.filter(format=args["format"])
    if args.get("query"):
        raise GraphQLError("devshop does not implement webhookSubscriptions(query:)")
    return connection(
        qs,
        present=presenters.webhook_subscription,
        typename="WebhookSubscription",
        reverse=bool(args.get("reverse")),
        **_page_args(ctx, args),
    )


def _subscription(ctx: Context, id: str) -> DevWebhookSubscription | None:
    parsed = parse_gid(id, "WebhookSubscription")
    if parsed is None:
        raise _invalid_id(id)
    return DevWebhookSubscription.objects.filter(shop=ctx.shop, id=parsed[1]).first()


def q_webhook_subscription(ctx: Context, id: str) -> dict[str, Any] | None:
    row = _subscription(ctx, id)
    return presenters.webhook_subscription(row) if row else None


def m_webhook_subscription_create(
    ctx: Context, topic: str, webhookSubscription: dict[str, Any]
) -> dict[str, Any]:
    row, errors = subscriptions.webhook_subscription_create(
        shop=ctx.shop, topic=topic, data=webhookSubscription
    )
    return {
        "webhookSubscription": presenters.webhook_subscription(row) if row else None,
        "userErrors": [{"__typename": "UserError", "field": f, "message": m} for f, m in errors],
    }


def m_webhook_subscription_delete(ctx: Context, id: str) -> dict[str, Any]:
    row = _subscription(ctx, id)
    if row is None:
        return {
            "deletedWebhookSubscriptionId": None,
            "userErrors": [
                {
                    "__typename": "UserError",
                    "field": ["id"],
                    "message": "Webhook subscription does not exist",
                }
            ],
        }
    subscriptions.webhook_subscription_delete(subscription=row)
    return {"deletedWebhookSubscriptionId": id, "userErrors": []}


# --- bulk operations ------------------------------------------------------------------------


def _bulk_node(row: DevBulkOperation | None) -> dict[str, Any] | None:
    if row is None:
        return None
    # Polling is what moves an operation along when no background runner does (tests).
    return presenters.bulk_operation(bulk.bulk_operation_poll(operation=row))


def q_bulk_operation(ctx: Context, id: str) -> dict[str, Any] | None:
    parsed = parse_gid(id, "BulkOperation")
    if parsed is None:
        raise _invalid_id(id)
    return _bulk_node(DevBulkOperation.objects.filter(shop=ctx.shop, id=parsed[1]).first())


def q_current_bulk_operation(ctx: Context, type: str = "QUERY") -> dict[str, Any] | None:
    row = (
        DevBulkOperation.objects.filter(shop=ctx.shop, type=type)
        .order_by("-created_at", "-id")
        .first()
    )
    return _bulk_node(row)


BULK_OPERATION_SEARCH = {
    "created_at": SearchField("created_at", "datetime"),
    "id": SearchField("id", "int"),
    "operation_type": SearchField("type"),
    "status": SearchField("status"),
}


def _no_free_text(term: str) -> Q:
    raise GraphQLError(f"devshop does not implement free-text bulkOperations search ({term!r})")


def q_bulk_operations(ctx: Context, **args: Any) -> dict[str, Any]:
    """The app's bulk operations, newest first (Shopify's default order); listing them does
    not move them along (only ``bulkOperation``/``node``/``currentBulkOperation`` polls do)."""
    if args.get("sortKey") not in (None, "CREATED_AT"):
        raise GraphQLError(f"devshop does not implement sortKey {args['sortKey']} here")
    qs = apply_search(
        DevBulkOperation.objects.filter(shop=ctx.shop),
        args.get("query"),
        BULK_OPERATION_SEARCH,
        free_text=_no_free_text,
    )
    return connection(
        qs,
        present=presenters.bulk_operation,
        typename="BulkOperation",
        reverse=not args.get("reverse"),
        sort=SORT_KEYS["CREATED_AT"],
        **_page_args(ctx, args),
    )


def m_bulk_operation_run_query(ctx: Context, query: str, groupObjects: bool) -> dict[str, Any]:
    row, errors = bulk.bulk_operation_create(shop=ctx.shop, query=query, group_objects=groupObjects)
    return {
        "bulkOperation": presenters.bulk_operation(row) if row else None,
        "userErrors": [
            {"__typename": "BulkOperationUserError", "field": ["query"], "message": m, "code": c}
            for m, c in errors
        ],
    }


# --- billing and the installation -----------------------------------------------------------


def m_app_subscription_create(ctx: Context, **args: Any) -> dict[str, Any]:
    row, errors = billing.app_subscription_create(
        shop=ctx.shop,
        name=args["name"],
        line_items=args["lineItems"],
        return_url=args["returnUrl"],
        test=bool(args.get("test")),
        trial_days=args.get("trialDays") or 0,
        replacement_behavior=args.get("replacementBehavior") or "STANDARD",
    )
    return {
        "appSubscription": presenters.app_subscription(row) if row else None,
        "confirmationUrl": billing.confirmation_url(row) if row else None,
        "userErrors": [{"__typename": "UserError", "field": f, "message": m} for f, m in errors],
    }


def m_app_subscription_cancel(ctx: Context, id: str, prorate: bool | None = None) -> dict[str, Any]:
    parsed = parse_gid(id, "AppSubscription")
    if parsed is None:
        raise _invalid_id(id)
    row = DevAppSubscription.objects.filter(shop=ctx.shop, id=parsed[1]).first()
    if row is None:
        return {
            "appSubscription": None,
            "userErrors": [
                {"__typename": "UserError", "field": ["id"], "message": "Subscription not found"}
            ],
        }
    row = billing.app_subscription_cancel(subscription=row)
    return {"appSubscription": presenters.app_subscription(row), "userErrors": []}


def q_current_app_installation(ctx: Context) -> dict[str, Any]:
    def all_subscriptions(**args: Any) -> dict[str, Any]:
        return connection(
            DevAppSubscription.objects.filter(shop=ctx.shop),
            present=presenters.app_subscription,
            typename="AppSubscription",
            reverse=bool(args.get("reverse")),
            **_page_args(ctx, args),
        )

    return {
        "__typename": "AppInstallation",
        "id": f"gid://shopify/AppInstallation/{ctx.installation.pk}",
        "launchUrl": f"https://admin.shopify.com/store/{ctx.shop.handle}/apps/{conf.client_id()}",
        "accessScopes": [
            {"__typename": "AccessScope", "handle": s, "description": s}
            for s in ctx.installation.scope_list
        ],
        "activeSubscriptions": lambda: [
            presenters.app_subscription(s)
            for s in DevAppSubscription.objects.filter(
                shop=ctx.shop, status=DevAppSubscription.Status.ACTIVE
            )
        ],
        "allSubscriptions": all_subscriptions,
    }


def q_shop(ctx: Context) -> dict[str, Any]:
    return presenters.shop(ctx.shop)


# --- node -----------------------------------------------------------------------------------


def q_node(ctx: Context, id: str) -> dict[str, Any] | None:
    kind, _ = _require_gid(id)
    finder: Callable[..., Any] | None = {
        "Customer": q_customer,
        "Order": q_order,
        "BulkOperation": q_bulk_operation,
        "DiscountCodeNode": q_code_discount_node,
        "DiscountAutomaticNode": lambda ctx, id: _automatic.q_discount_node(ctx, id=id),
        "Segment": lambda ctx, id: _automatic.q_segment(ctx, id=id),
        "WebhookSubscription": q_webhook_subscription,
    }.get(kind)
    if finder is None:
        raise GraphQLError(
            f"devshop does not implement node(id:) for {kind}",
            extensions={"code": "DEVSHOP_NOT_IMPLEMENTED"},
        )
    return finder(ctx, id=id)


def q_nodes(ctx: Context, ids: list[str]) -> list[dict[str, Any] | None]:
    return [q_node(ctx, id=i) for i in ids]


# --- themes (read_themes): the main theme's settings_data.json, for the app embed check ------


def _theme(ctx: Context, theme: DevTheme) -> dict[str, Any]:
    def files(**args: Any) -> dict[str, Any]:
        # Only config/settings_data.json is emulated; other names match nothing.
        wanted = args.get("filenames")
        rows = [] if wanted is not None and SETTINGS_DATA not in wanted else [theme]
        return list_connection(
            rows,
            present=lambda t: {
                "__typename": "OnlineStoreThemeFile",
                "filename": SETTINGS_DATA,
                "contentType": "application/json",
                "size": str(len(t.settings_data.encode())),
                "checksumMd5": hashlib.md5(t.settings_data.encode()).hexdigest(),  # noqa: S324
                "body": {"__typename": "OnlineStoreThemeFileBodyText", "content": t.settings_data},
            },
            typename="OnlineStoreThemeFile",
            first=args.get("first"),
            after=args.get("after"),
        )

    return {
        "__typename": "OnlineStoreTheme",
        "id": theme.gid,
        "name": theme.name,
        "role": theme.role,
        "files": files,
    }


SETTINGS_DATA = "config/settings_data.json"


def q_themes(ctx: Context, **args: Any) -> dict[str, Any]:
    require_scope(ctx, "read_themes", "themes")
    themes.theme_main(shop=ctx.shop)
    rows = list(DevTheme.objects.filter(shop=ctx.shop).order_by("pk"))
    if args.get("roles"):
        rows = [t for t in rows if t.role in args["roles"]]
    return list_connection(
        rows,
        present=lambda t: _theme(ctx, t),
        typename="OnlineStoreTheme",
        first=args.get("first"),
        after=args.get("after"),
        last=args.get("last"),
        before=args.get("before"),
    )


QUERY: dict[str, Callable[..., Any]] = {
    "shop": q_shop,
    "customer": q_customer,
    "customers": q_customers,
    "order": q_order,
    "orders": q_orders,
    "codeDiscountNode": q_code_discount_node,
    "codeDiscountNodeByCode": q_code_discount_node_by_code,
    "webhookSubscriptions": q_webhook_subscriptions,
    "webhookSubscription": q_webhook_subscription,
    "bulkOperation": q_bulk_operation,
    "currentBulkOperation": q_current_bulk_operation,
    "bulkOperations": q_bulk_operations,
    "node": q_node,
    "nodes": q_nodes,
    "currentAppInstallation": q_current_app_installation,
    "themes": q_themes,
}

MUTATION: dict[str, Callable[..., Any]] = {
    "discountCodeBasicCreate": m_discount_code_basic_create,
    "discountCodeFreeShippingCreate": m_discount_code_free_shipping_create,
    "discountCodeDelete": m_discount_code_delete,
    "discountCodeDeactivate": m_discount_code_deactivate,
    "tagsAdd": m_tags_add,
    "tagsRemove": m_tags_remove,
    "metafieldsSet": m_metafields_set,
    "webhookSubscriptionCreate": m_webhook_subscription_create,
    "webhookSubscriptionDelete": m_webhook_subscription_delete,
    "bulkOperationRunQuery": m_bulk_operation_run_query,
    "appSubscriptionCreate": m_app_subscription_create,
    "appSubscriptionCancel": m_app_subscription_cancel,
}

# Segments and automatic discounts live in their own module; merged here so the executor sees
# one table per operation type.
from devshop.graphql import automatic as _automatic  # noqa: E402

QUERY.update(_automatic.QUERY)
MUTATION.update(_automatic.MUTATION)
