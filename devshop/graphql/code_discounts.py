"""Root fields for discount codes: ``codeDiscountNode``, ``codeDiscountNodeByCode`` and the
``discountCode*`` mutations (merged into ``resolvers``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

from devshop.graphql import discount_presenters
from devshop.graphql.context import (
    Context,
    require_scope,
)
from devshop.graphql.nodes import customer_node, customer_queryset
from devshop.models import (
    DevDiscountCode,
)
from devshop.services import discounts

# --- discounts ------------------------------------------------------------------------------


def discount_node(ctx: Context, row: DevDiscountCode) -> dict[str, Any]:
    def context_customers() -> list[dict[str, Any]]:
        rows = customer_queryset(ctx).filter(id__in=row.context_customer_ids).order_by("id")
        return [customer_node(ctx, c) for c in rows]

    return discount_presenters.discount_node(row, customers=context_customers)


def q_code_discount_node(ctx: Context, id: str) -> dict[str, Any] | None:
    require_scope(ctx, "read_discounts", "codeDiscountNode")
    row = discounts.discount_code_get(shop=ctx.shop, node_gid=id)
    return discount_node(ctx, row) if row else None


def q_code_discount_node_by_code(ctx: Context, code: str) -> dict[str, Any] | None:
    require_scope(ctx, "read_discounts", "codeDiscountNodeByCode")
    row = discounts.discount_code_by_code(shop=ctx.shop, code=code)
    return discount_node(ctx, row) if row else None


def discount_errors(errors: list[discounts.DiscountUserError]) -> list[dict[str, Any]]:
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
        "userErrors": discount_errors(errors),
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


def missing_discount(id: str) -> list[dict[str, Any]]:
    return discount_errors(
        [discounts.DiscountUserError(["id"], "Discount does not exist", "INVALID")]
    )


def m_discount_code_delete(ctx: Context, id: str) -> dict[str, Any]:
    require_scope(ctx, "write_discounts", "discountCodeDelete")
    row = discounts.discount_code_get(shop=ctx.shop, node_gid=id)
    if row is None:
        return {"deletedCodeDiscountId": None, "userErrors": missing_discount(id)}
    discounts.discount_code_delete(discount=row)
    return {"deletedCodeDiscountId": row.gid, "userErrors": []}


def m_discount_code_deactivate(ctx: Context, id: str) -> dict[str, Any]:
    require_scope(ctx, "write_discounts", "discountCodeDeactivate")
    row = discounts.discount_code_get(shop=ctx.shop, node_gid=id)
    if row is None:
        return {"codeDiscountNode": None, "userErrors": missing_discount(id)}
    return {
        "codeDiscountNode": discount_node(ctx, discounts.discount_code_deactivate(discount=row)),
        "userErrors": [],
    }


QUERY: dict[str, Callable[..., Any]] = {
    "codeDiscountNode": q_code_discount_node,
    "codeDiscountNodeByCode": q_code_discount_node_by_code,
}

MUTATION: dict[str, Callable[..., Any]] = {
    "discountCodeBasicCreate": m_discount_code_basic_create,
    "discountCodeFreeShippingCreate": m_discount_code_free_shipping_create,
    "discountCodeDelete": m_discount_code_delete,
    "discountCodeDeactivate": m_discount_code_deactivate,
}
