"""Turn GraphQL nodes into the webhook payloads Shopify would have sent for them.

Reconciliation repairs a lost webhook by delivering a synthetic one through the inbox, so the
very same handlers run (the mirrors', then ``loyalty``'s and ``referrals``'): nothing downstream
needs to know whether a change came by webhook or by reconciliation. The payloads carry the
REST field names ``shopify_app.webhooks.payloads`` reads (ids, ``*_set.shop_money`` money,
lowercase statuses); fields GraphQL doesn't give us are left out rather than invented.
"""

from __future__ import annotations

from typing import Any

from shopify_app.sync.rows import numeric_id


def _money_set(money_bag: Any) -> dict[str, Any] | None:
    if not money_bag:
        return None
    shop_money = money_bag["shopMoney"]
    return {
        "shop_money": {"amount": shop_money["amount"], "currency_code": shop_money["currencyCode"]}
    }


def _amount(money_bag: Any) -> str | None:
    return money_bag["shopMoney"]["amount"] if money_bag else None


def _ref(node: Any) -> dict[str, Any] | None:
    if not node or not node.get("id"):
        return None
    return {"id": numeric_id(node["id"]), "admin_graphql_api_id": node["id"]}


def _money_fields(node: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for rest, graphql in mapping.items():
        fields[rest] = _amount(node.get(graphql))
        fields[f"{rest}_set"] = _money_set(node.get(graphql))
    return fields


def customer_payload(node: dict[str, Any]) -> dict[str, Any]:
    """``customers/update`` for a Customer node."""
    return {
        "id": numeric_id(node["id"]),
        "admin_graphql_api_id": node["id"],
        "email": (node.get("defaultEmailAddress") or {}).get("emailAddress"),
        "first_name": node.get("firstName"),
        "last_name": node.get("lastName"),
        "phone": (node.get("defaultPhoneNumber") or {}).get("phoneNumber"),
        "state": (node.get("state") or "").lower(),
        "tags": list(node.get("tags") or []),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
    }


def _line_item(node: dict[str, Any]) -> dict[str, Any]:
    variant = _ref(node.get("variant"))
    product = _ref(node.get("product"))
    return {
        "id": numeric_id(node["id"]),
        "admin_graphql_api_id": node["id"],
        "variant_id": variant and variant["id"],
        "product_id": product and product["id"],
        "quantity": node.get("quantity"),
        "gift_card": bool(node.get("isGiftCard")),
        **_money_fields(
            node, {"price": "originalUnitPriceSet", "total_discount": "totalDiscountSet"}
        ),
    }


def order_payload(node: dict[str, Any]) -> dict[str, Any]:
    """``orders/updated`` for an Order node (with its ``lineItems`` page)."""
    line_items = (node.get("lineItems") or {}).get("nodes") or []
    return {
        "id": numeric_id(node["id"]),
        "admin_graphql_api_id": node["id"],
        "name": node.get("name"),
        "email": node.get("email"),
        "currency": node.get("currencyCode"),
        "financial_status": (node.get("displayFinancialStatus") or "").lower(),
        "test": bool(node.get("test")),
        "source_name": node.get("sourceName"),
        "customer": _ref(node.get("customer")),
        **_money_fields(
            node,
            {
                "subtotal_price": "subtotalPriceSet",
                "total_price": "totalPriceSet",
                "total_discounts": "totalDiscountsSet",
                "total_shipping_price": "totalShippingPriceSet",
                "total_tax": "totalTaxSet",
                "current_total_price": "currentTotalPriceSet",
                "current_subtotal_price": "currentSubtotalPriceSet",
            },
        ),
        "line_items": [_line_item(item) for item in line_items],
        "discount_codes": [{"code": code} for code in node.get("discountCodes") or []],
        "note_attributes": [
            {"name": a["key"], "value": a.get("value")} for a in node.get("customAttributes") or []
        ],
        "processed_at": node.get("processedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
    }


def _transaction(node: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": numeric_id(node["id"]),
        "admin_graphql_api_id": node["id"],
        "kind": (node.get("kind") or "").lower(),
        "status": (node.get("status") or "").lower(),
        "amount": _amount(node.get("amountSet")),
    }


def refund_payload(order_gid: str, refund: dict[str, Any]) -> dict[str, Any]:
    """``refunds/create`` for one refund of ``SyncOrderRefunds``.

    The money returned is what the refund's transactions moved (``refund``/``success`` ones
    count, as in the webhook); shipping given back is in ``refund_shipping_lines``.
    """
    lines = (refund.get("refundLineItems") or {}).get("nodes") or []
    transactions = (refund.get("transactions") or {}).get("nodes") or []
    shipping = (refund.get("refundShippingLines") or {}).get("nodes") or []
    return {
        "id": numeric_id(refund["id"]),
        "admin_graphql_api_id": refund["id"],
        "order_id": numeric_id(order_gid),
        "created_at": refund.get("createdAt"),
        "processed_at": refund.get("processedAt") or refund.get("createdAt"),
        "refund_line_items": [
            {
                "line_item_id": numeric_id((line.get("lineItem") or {}).get("id")),
                "quantity": line.get("quantity"),
                "line_item": {"gift_card": bool((line.get("lineItem") or {}).get("isGiftCard"))},
                **_money_fields(line, {"subtotal": "subtotalSet", "total_tax": "totalTaxSet"}),
            }
            for line in lines
        ],
        "refund_shipping_lines": [
            _money_fields(
                s, {"subtotal_amount": "subtotalAmountSet", "total_tax_amount": "taxAmountSet"}
            )
            for s in shipping
        ],
        "transactions": [_transaction(t) for t in transactions],
    }
