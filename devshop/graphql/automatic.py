"""Root fields for customer segments and automatic discounts (merged into ``resolvers``).

Queries: ``segment``, ``segments`` (search ``name:`` and free text on the name),
``discountNode`` and ``discountNodes`` over code and automatic discounts (search ``tag:``,
``title:``, ``status:``, ``method:``). Mutations: ``segmentCreate``/``Update``/``Delete``,
``discountAutomaticBasicCreate``/``Update``, ``discountAutomaticDelete``/``Deactivate``.
Scopes as Shopify's: segments need ``read_customers``/``write_customers``, discounts
``read_discounts``/``write_discounts``.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

from devshop.graphql import code_discounts, context, discount_presenters, presenters
from devshop.graphql.pagination import list_connection
from devshop.models import DevAutomaticDiscount, DevDiscountCode, DevSegment
from devshop.services import automatic_discounts as automatic
from devshop.services import discounts, segments


def _not_implemented(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "DEVSHOP_NOT_IMPLEMENTED"})


# --- presenters ------------------------------------------------------------------------------


def segment_node(row: DevSegment) -> dict[str, Any]:
    return {
        "__typename": "Segment",
        "id": row.gid,
        "name": row.name,
        "query": row.query,
        "creationDate": presenters.iso(row.created_at),
        "lastEditDate": presenters.iso(row.updated_at),
    }


def automatic_basic(row: DevAutomaticDiscount) -> dict[str, Any]:
    """A ``DiscountAutomaticBasic``."""
    if row.context_all:
        context: dict[str, Any] = {"__typename": "DiscountBuyerSelectionAll", "all": "ALL"}
    else:
        rows = DevSegment.objects.filter(shop_id=row.shop_id, id__in=row.segment_ids)
        context = {
            "__typename": "DiscountCustomerSegments",
            "segments": [segment_node(s) for s in rows.order_by("id")],
        }
    if row.value_type == DevAutomaticDiscount.ValueType.PERCENTAGE:
        value: dict[str, Any] = {"__typename": "DiscountPercentage", "percentage": float(row.value)}
        summary = f"{(row.value * 100).normalize():f}% off entire order"
    else:
        value = {
            "__typename": "DiscountAmount",
            "amount": presenters.money(row.value, row.shop.currency),
            "appliesOnEachItem": False,
        }
        summary = f"{row.value} {row.shop.currency} off entire order"
    return {
        "__typename": "DiscountAutomaticBasic",
        "title": row.title,
        "status": discount_presenters.discount_status(row),
        "startsAt": presenters.iso(row.starts_at),
        "endsAt": presenters.iso(row.ends_at),
        "createdAt": presenters.iso(row.created_at),
        "updatedAt": presenters.iso(row.updated_at),
        "asyncUsageCount": row.usage_count,
        "usageCount": row.usage_count,
        "context": context,
        "customerGets": {
            "__typename": "DiscountCustomerGets",
            "value": value,
            "items": {"__typename": "AllDiscountItems", "allItems": True},
            "appliesOnOneTimePurchase": True,
            "appliesOnSubscription": False,
        },
        "minimumRequirement": None,
        "combinesWith": {
            "__typename": "DiscountCombinesWith",
            "orderDiscounts": bool(row.combines_with.get("orderDiscounts")),
            "productDiscounts": bool(row.combines_with.get("productDiscounts")),
            "shippingDiscounts": bool(row.combines_with.get("shippingDiscounts")),
        },
        "discountClass": "ORDER",
        "discountClasses": ["ORDER"],
        "recurringCycleLimit": 0,
        "summary": summary,
        "shortSummary": summary,
        "tags": list(row.tags),
    }


def automatic_node(row: DevAutomaticDiscount) -> dict[str, Any]:
    return {
        "__typename": "DiscountAutomaticNode",
        "id": row.gid,
        "automaticDiscount": automatic_basic(row),
    }


def discount_node(ctx: Any, row: DevDiscountCode | DevAutomaticDiscount) -> dict[str, Any]:
    """A ``DiscountNode`` for either kind."""
    if isinstance(row, DevAutomaticDiscount):
        return {"__typename": "DiscountNode", "id": row.gid, "discount": automatic_basic(row)}
    code = code_discounts.discount_node(ctx, row)
    return {"__typename": "DiscountNode", "id": row.gid, "discount": code["codeDiscount"]}


# --- segments --------------------------------------------------------------------------------


def _segment_errors(errors: list[segments.SegmentUserError]) -> list[dict[str, Any]]:
    return [{"__typename": "UserError", "field": e.field, "message": e.message} for e in errors]


def _segment(ctx: Any, id: str) -> DevSegment | None:
    parsed = context.parse_gid(id, "Segment")
    return segments.segment_get(shop=ctx.shop, segment_id=parsed[1]) if parsed else None


def q_segment(ctx: Any, id: str) -> dict[str, Any] | None:
    context.require_scope(ctx, "read_customers", "segment")
    row = _segment(ctx, id)
    return segment_node(row) if row else None


def _terms(query: str | None) -> list[tuple[bool, str, str]]:
    """(negated, field or "", value) per term of Shopify's search syntax, ANDed."""
    try:
        raw = shlex.split(query or "", posix=True)
    except ValueError:
        raise GraphQLError(f"Invalid search query: {query}") from None
    terms = []
    for term in raw:
        if term.upper() == "AND":
            continue
        if term.upper() == "OR":
            raise _not_implemented("devshop does not implement OR in search queries")
        negated = term.startswith("-")
        name, colon, value = term.removeprefix("-").partition(":")
        terms.append((negated, name if colon else "", value if colon else name))
    return terms


def _matching(rows: list[Any], query: str | None, fields: dict[str, Callable[[Any, str], bool]]):
    for negated, name, value in _terms(query):
        test = fields.get(name)
        if test is None:
            raise _not_implemented(f"devshop does not implement the search field {name!r}")
        rows = [r for r in rows if test(r, value.lower()) != negated]
    return rows


SEGMENT_SEARCH: dict[str, Callable[[Any, str], bool]] = {
    "": lambda s, v: v in s.name.lower(),
    "name": lambda s, v: s.name.lower() == v,
    "id": lambda s, v: str(s.id) == v.rsplit("/", 1)[-1],
}


def q_segments(ctx: Any, **args: Any) -> dict[str, Any]:
    context.require_scope(ctx, "read_customers", "segments")
    # Ids are handed out in creation order, so CREATION_DATE (the default) is id order.
    if args.get("sortKey") not in (None, "ID", "RELEVANCE", "CREATION_DATE"):
        raise _not_implemented(f"devshop does not implement segments(sortKey: {args['sortKey']})")
    rows = _matching(
        list(DevSegment.objects.filter(shop=ctx.shop)), args.get("query"), SEGMENT_SEARCH
    )
    return list_connection(
        rows,
        present=segment_node,
        typename="Segment",
        reverse=bool(args.get("reverse")),
        first=args.get("first"),
        after=args.get("after"),
        last=args.get("last"),
        before=args.get("before"),
    )


def m_segment_create(ctx: Any, name: str, query: str) -> dict[str, Any]:
    context.require_scope(ctx, "write_customers", "segmentCreate")
    row, errors = segments.segment_create(shop=ctx.shop, name=name, query=query)
    return {"segment": segment_node(row) if row else None, "userErrors": _segment_errors(errors)}


def _missing_segment() -> list[dict[str, Any]]:
    return _segment_errors([segments.SegmentUserError(["id"], "Segment does not exist")])


def m_segment_update(
    ctx: Any, id: str, name: str | None = None, query: str | None = None
) -> dict[str, Any]:
    context.require_scope(ctx, "write_customers", "segmentUpdate")
    row = _segment(ctx, id)
    if row is None:
        return {"segment": None, "userErrors": _missing_segment()}
    row, errors = segments.segment_update(segment=row, name=name, query=query)
    return {"segment": segment_node(row) if row else None, "userErrors": _segment_errors(errors)}


def m_segment_delete(ctx: Any, id: str) -> dict[str, Any]:
    context.require_scope(ctx, "write_customers", "segmentDelete")
    row = _segment(ctx, id)
    if row is None:
        return {"deletedSegmentId": None, "userErrors": _missing_segment()}
    deleted = row.gid
    segments.segment_delete(segment=row)
    return {"deletedSegmentId": deleted, "userErrors": []}


# --- discounts -------------------------------------------------------------------------------


def q_discount_node(ctx: Any, id: str) -> dict[str, Any] | None:
    context.require_scope(ctx, "read_discounts", "discountNode")
    row: DevDiscountCode | DevAutomaticDiscount | None
    if str(id).startswith("gid://shopify/DiscountAutomaticNode/"):
        row = automatic.automatic_discount_get(shop=ctx.shop, node_gid=id)
    else:
        row = discounts.discount_code_get(shop=ctx.shop, node_gid=id)
    return discount_node(ctx, row) if row else None


DISCOUNT_SEARCH: dict[str, Callable[[Any, str], bool]] = {
    "": lambda d, v: v in d.title.lower(),
    "title": lambda d, v: v in d.title.lower(),
    "tag": lambda d, v: v in [t.lower() for t in getattr(d, "tags", None) or []],
    "status": lambda d, v: discount_presenters.discount_status(d).lower() == v,
    "method": lambda d, v: v == ("automatic" if isinstance(d, DevAutomaticDiscount) else "code"),
}


def q_discount_nodes(ctx: Any, **args: Any) -> dict[str, Any]:
    context.require_scope(ctx, "read_discounts", "discountNodes")
    if args.get("sortKey") not in (None, "ID", "RELEVANCE", "CREATED_AT") or args.get(
        "savedSearchId"
    ):
        raise _not_implemented("devshop does not implement discountNodes sortKey/savedSearchId")
    rows: list[Any] = [
        *DevDiscountCode.objects.filter(shop=ctx.shop, deleted_at=None).select_related("shop"),
        *DevAutomaticDiscount.objects.filter(shop=ctx.shop).select_related("shop"),
    ]
    return list_connection(
        _matching(rows, args.get("query"), DISCOUNT_SEARCH),
        present=lambda r: discount_node(ctx, r),
        typename="DiscountNode",
        reverse=bool(args.get("reverse")),
        first=args.get("first"),
        after=args.get("after"),
        last=args.get("last"),
        before=args.get("before"),
    )


def _discount_payload(row: DevAutomaticDiscount | None, errors: list) -> dict[str, Any]:
    return {
        "automaticDiscountNode": automatic_node(row) if row else None,
        "userErrors": code_discounts.discount_errors(errors),
    }


def m_discount_automatic_basic_create(
    ctx: Any, automaticBasicDiscount: dict[str, Any]
) -> dict[str, Any]:
    context.require_scope(ctx, "write_discounts", "discountAutomaticBasicCreate")
    try:
        row, errors = automatic.automatic_discount_create(
            shop=ctx.shop, data=automaticBasicDiscount
        )
    except discounts.NotEmulated as exc:
        raise _not_implemented(exc.message) from None
    return _discount_payload(row, errors)


def _missing_discount() -> list[discounts.DiscountUserError]:
    return [discounts.DiscountUserError(["id"], "Discount does not exist", "INVALID")]


def m_discount_automatic_basic_update(
    ctx: Any, id: str, automaticBasicDiscount: dict[str, Any]
) -> dict[str, Any]:
    context.require_scope(ctx, "write_discounts", "discountAutomaticBasicUpdate")
    row = automatic.automatic_discount_get(shop=ctx.shop, node_gid=id)
    if row is None:
        return _discount_payload(None, _missing_discount())
    try:
        updated, errors = automatic.automatic_discount_update(
            discount=row, data=automaticBasicDiscount
        )
    except discounts.NotEmulated as exc:
        raise _not_implemented(exc.message) from None
    return _discount_payload(updated, errors)


def m_discount_automatic_delete(ctx: Any, id: str) -> dict[str, Any]:
    context.require_scope(ctx, "write_discounts", "discountAutomaticDelete")
    row = automatic.automatic_discount_get(shop=ctx.shop, node_gid=id)
    if row is None:
        return {
            "deletedAutomaticDiscountId": None,
            "userErrors": code_discounts.discount_errors(_missing_discount()),
        }
    deleted = row.gid
    automatic.automatic_discount_delete(discount=row)
    return {"deletedAutomaticDiscountId": deleted, "userErrors": []}


def m_discount_automatic_deactivate(ctx: Any, id: str) -> dict[str, Any]:
    context.require_scope(ctx, "write_discounts", "discountAutomaticDeactivate")
    row = automatic.automatic_discount_get(shop=ctx.shop, node_gid=id)
    if row is None:
        return _discount_payload(None, _missing_discount())
    return _discount_payload(automatic.automatic_discount_deactivate(discount=row), [])


QUERY: dict[str, Callable[..., Any]] = {
    "segment": q_segment,
    "segments": q_segments,
    "discountNode": q_discount_node,
    "discountNodes": q_discount_nodes,
}

MUTATION: dict[str, Callable[..., Any]] = {
    "segmentCreate": m_segment_create,
    "segmentUpdate": m_segment_update,
    "segmentDelete": m_segment_delete,
    "discountAutomaticBasicCreate": m_discount_automatic_basic_create,
    "discountAutomaticBasicUpdate": m_discount_automatic_basic_update,
    "discountAutomaticDelete": m_discount_automatic_delete,
    "discountAutomaticDeactivate": m_discount_automatic_deactivate,
}
