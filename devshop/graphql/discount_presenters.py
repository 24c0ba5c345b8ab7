"""Discount codes as Admin GraphQL objects (``DiscountCodeNode`` with its basic or free-shipping
code, items, value, context and status); the conventions are ``presenters``'."""

from __future__ import annotations

from typing import Any

from devshop import clock
from devshop.graphql.presenters import iso, money
from devshop.models import (
    DevAutomaticDiscount,
    DevDiscountCode,
    gid,
)


def discount_status(row: DevDiscountCode | DevAutomaticDiscount) -> str:
    """A code or automatic discount's status by its dates, on devshop's clock."""
    now = clock.now()
    if row.starts_at > now:
        return "SCHEDULED"
    if row.ends_at is not None and row.ends_at <= now:
        return "EXPIRED"
    return "ACTIVE"


def _id_connection(type_name: str, ids: list[int]) -> Any:
    """A one-page connection of bare nodes (``id`` only: devshop serves no product data)."""
    nodes = [{"__typename": type_name, "id": gid(type_name, pk)} for pk in ids]
    return lambda **_args: {
        "__typename": f"{type_name}Connection",
        "edges": [{"__typename": f"{type_name}Edge", "cursor": n["id"], "node": n} for n in nodes],
        "nodes": nodes,
        "pageInfo": {
            "__typename": "PageInfo",
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": nodes[0]["id"] if nodes else None,
            "endCursor": nodes[-1]["id"] if nodes else None,
        },
    }


def _discount_items(row: DevDiscountCode) -> dict[str, Any]:
    if row.items_all:
        return {"__typename": "AllDiscountItems", "allItems": True}
    return {
        "__typename": "DiscountProducts",
        "products": _id_connection("Product", row.item_product_ids),
        "productVariants": _id_connection("ProductVariant", row.item_variant_ids),
    }


def discount_node(row: DevDiscountCode, *, customers: Any) -> dict[str, Any]:
    """A ``DiscountCodeNode``; ``customers`` resolves the context's customer list."""
    currency = row.shop.currency
    if row.context_all:
        context: dict[str, Any] = {"__typename": "DiscountBuyerSelectionAll", "all": "ALL"}
        selection: dict[str, Any] = {"__typename": "DiscountCustomerAll", "allCustomers": True}
    else:
        context = {"__typename": "DiscountCustomers", "customers": customers}
        selection = {"__typename": "DiscountCustomers", "customers": customers}
    minimum: dict[str, Any] | None = None
    if row.minimum_subtotal is not None:
        minimum = {
            "__typename": "DiscountMinimumSubtotal",
            "greaterThanOrEqualToSubtotal": money(row.minimum_subtotal, currency),
        }
    elif row.minimum_quantity is not None:
        minimum = {
            "__typename": "DiscountMinimumQuantity",
            "greaterThanOrEqualToQuantity": str(row.minimum_quantity),
        }
    code = {
        "__typename": "DiscountRedeemCode",
        "id": gid("DiscountRedeemCode", row.redeem_code_id),
        "code": row.code,
        "asyncUsageCount": row.usage_count,
    }
    common: dict[str, Any] = {
        "title": row.title,
        "status": discount_status(row),
        "startsAt": iso(row.starts_at),
        "endsAt": iso(row.ends_at),
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
        "usageLimit": row.usage_limit,
        "appliesOncePerCustomer": row.applies_once_per_customer,
        "asyncUsageCount": row.usage_count,
        "codesCount": {"__typename": "Count", "count": 1, "precision": "EXACT"},
        "codes": lambda **_args: {
            "__typename": "DiscountRedeemCodeConnection",
            "edges": [{"__typename": "DiscountRedeemCodeEdge", "cursor": code["id"], "node": code}],
            "nodes": [code],
            "pageInfo": {
                "__typename": "PageInfo",
                "hasNextPage": False,
                "hasPreviousPage": False,
                "startCursor": code["id"],
                "endCursor": code["id"],
            },
        },
        "context": context,
        "customerSelection": selection,
        "minimumRequirement": minimum,
        "combinesWith": {
            "__typename": "DiscountCombinesWith",
            "orderDiscounts": bool(row.combines_with.get("orderDiscounts")),
            "productDiscounts": bool(row.combines_with.get("productDiscounts")),
            "shippingDiscounts": bool(row.combines_with.get("shippingDiscounts")),
        },
        "tags": [],
    }
    if row.kind == DevDiscountCode.Kind.BASIC:
        if row.value_type == DevDiscountCode.ValueType.PERCENTAGE:
            value: dict[str, Any] = {
                "__typename": "DiscountPercentage",
                "percentage": float(row.value),
            }
            if row.quantity_limit is not None:
                value = {
                    "__typename": "DiscountOnQuantity",
                    "quantity": {
                        "__typename": "DiscountQuantity",
                        "quantity": str(row.quantity_limit),
                    },
                    "effect": value,
                }
        else:
            value = {
                "__typename": "DiscountAmount",
                "amount": money(row.value, currency),
                "appliesOnEachItem": row.applies_on_each_item,
            }
        code_discount = {
            "__typename": "DiscountCodeBasic",
            **common,
            "customerGets": {
                "__typename": "DiscountCustomerGets",
                "value": value,
                "items": _discount_items(row),
                "appliesOnOneTimePurchase": True,
                "appliesOnSubscription": False,
            },
        }
    else:
        code_discount = {
            "__typename": "DiscountCodeFreeShipping",
            **common,
            "destinationSelection": {"__typename": "DiscountCountryAll", "allCountries": True},
            "maximumShippingPrice": (
                money(row.maximum_shipping_price, currency)
                if row.maximum_shipping_price is not None
                else None
            ),
            "appliesOnOneTimePurchase": True,
            "appliesOnSubscription": False,
        }
    return {"__typename": "DiscountCodeNode", "id": row.gid, "codeDiscount": code_discount}
