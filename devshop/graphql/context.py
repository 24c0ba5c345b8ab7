"""What every root field's resolver shares: the request ``Context``, global ids, access scopes
and paging (``resolvers`` and the modules it merges import it; nothing here imports them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from graphql import GraphQLError

from devshop.graphql.pagination import (
    SortKey,
)
from devshop.models import (
    DevAppInstallation,
    DevShop,
)

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


def invalid_id(value: Any) -> GraphQLError:
    return GraphQLError(
        f"Invalid global id '{value}'", extensions={"code": "argumentLiteralsIncompatible"}
    )


def require_gid(value: Any) -> tuple[str, int]:
    parsed = parse_gid(value)
    if parsed is None:
        raise invalid_id(value)
    return parsed


def has_scope(ctx: Context, scope: str) -> bool:
    if scope in ctx.scopes:
        return True
    # write_x implies read_x.
    return scope.startswith("read_") and f"write_{scope[5:]}" in ctx.scopes


def require_scope(ctx: Context, scope: str, field_name: str) -> None:
    if not has_scope(ctx, scope):
        raise GraphQLError(
            f"Access denied for {field_name} field. Required access: `{scope}` access scope.",
            extensions={
                "code": "ACCESS_DENIED",
                "documentation": "https://shopify.dev/api/usage/access-scopes",
                "requiredAccess": f"`{scope}` access scope.",
            },
        )


# --- paging ---------------------------------------------------------------------------------

SORT_KEYS = {
    "ID": SortKey("id"),
    "UPDATED_AT": SortKey("updated_at"),
    "CREATED_AT": SortKey("created_at"),
    "PROCESSED_AT": SortKey("processed_at"),
}


def sort_key(key: str | None) -> SortKey:
    if key is None or key == "RELEVANCE":
        return SORT_KEYS["ID"]
    if key not in SORT_KEYS:
        raise GraphQLError(f"devshop does not implement sortKey {key}")
    return SORT_KEYS[key]


def page_args(ctx: Context, args: dict[str, Any], *, root: bool = False) -> dict[str, Any]:
    if ctx.bulk and root:
        return {
            "first": ctx.bulk_page_size, "after": ctx.bulk_after,
            "page_limit": ctx.bulk_page_size,
        }  # fmt: skip
    if ctx.bulk:
        return {"unbounded": True}
    return {k: args.get(k) for k in ("first", "after", "last", "before")}


def root_page(ctx: Context, page: dict[str, Any]) -> dict[str, Any]:
    """Bulk runs page the root connection themselves: remember where this page ended."""
    if ctx.bulk:
        ctx.cache["bulk_page_info"] = page["pageInfo"]
    return page
