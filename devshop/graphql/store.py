"""Root fields about the shop and the app's installation: tags and metafields, webhook
subscriptions, bulk operations, billing, ``shop``, ``currentAppInstallation`` and ``themes``
(merged into ``resolvers``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.db.models import Q
from graphql import GraphQLError

from devshop import conf
from devshop.graphql import presenters
from devshop.graphql.context import (
    SORT_KEYS,
    Context,
    invalid_id,
    page_args,
    parse_gid,
    require_gid,
    require_scope,
)
from devshop.graphql.nodes import customer_node, customer_queryset
from devshop.graphql.pagination import (
    SearchField,
    apply_search,
    connection,
    list_connection,
)
from devshop.models import (
    DevAppSubscription,
    DevBulkOperation,
    DevCustomer,
    DevOrder,
    DevTheme,
    DevWebhookSubscription,
)
from devshop.services import billing, bulk, customers, subscriptions, themes

# --- tags and metafields --------------------------------------------------------------------


def _tags(ctx: Context, id: str, tags: list[str], *, add: bool) -> dict[str, Any]:
    kind, number = require_gid(id)
    field_name = "tagsAdd" if add else "tagsRemove"
    if kind != "Customer":
        raise GraphQLError(
            f"devshop does not implement {field_name} on {kind}",
            extensions={"code": "DEVSHOP_NOT_IMPLEMENTED"},
        )
    require_scope(ctx, "write_customers", field_name)
    # A comma-separated string in the list is split, as Shopify does.
    split = [part for tag in tags for part in tag.split(",")]
    row = customer_queryset(ctx).filter(id=number).first()
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
        **page_args(ctx, args),
    )


def _subscription(ctx: Context, id: str) -> DevWebhookSubscription | None:
    parsed = parse_gid(id, "WebhookSubscription")
    if parsed is None:
        raise invalid_id(id)
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
        raise invalid_id(id)
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
        **page_args(ctx, args),
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
        raise invalid_id(id)
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
            **page_args(ctx, args),
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
    "webhookSubscriptions": q_webhook_subscriptions,
    "webhookSubscription": q_webhook_subscription,
    "bulkOperation": q_bulk_operation,
    "currentBulkOperation": q_current_bulk_operation,
    "bulkOperations": q_bulk_operations,
    "currentAppInstallation": q_current_app_installation,
    "themes": q_themes,
}

MUTATION: dict[str, Callable[..., Any]] = {
    "tagsAdd": m_tags_add,
    "tagsRemove": m_tags_remove,
    "metafieldsSet": m_metafields_set,
    "webhookSubscriptionCreate": m_webhook_subscription_create,
    "webhookSubscriptionDelete": m_webhook_subscription_delete,
    "bulkOperationRunQuery": m_bulk_operation_run_query,
    "appSubscriptionCreate": m_app_subscription_create,
    "appSubscriptionCancel": m_app_subscription_cancel,
}
