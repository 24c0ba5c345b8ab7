"""Map Shopify's GraphQL nodes (bulk JSONL lines and reconciliation pages) to mirror rows.

The bulk import writes hundreds of thousands of rows through ``COPY`` (``shopify_app.sync.load``),
so these functions produce plain tuples in the staging tables' column order with values in
PostgreSQL's text form: money stays the exact decimal string Shopify sent (GraphQL ``Decimal``
is a string, never a float), timestamps stay ISO 8601 with their offset, JSON columns are
serialised once here. Each line is mapped as soon as it is parsed, and only the result is kept:
an order's tuple (``order_tuple``) waits for its line items as serialised bytes
(``line_item_json``) and is completed when its batch is (``order_row``), so a batch holds no
parsed nodes (fewer live objects: less memory and less work for Python's garbage collector).
The mirror's conventions are those of the webhook path
(``shopify_app.webhooks.payloads``): numeric ids from GIDs, REST-style lowercase states and
financial statuses, line items as ``{id, variant_id, product_id, quantity, price,
total_discount, gift_card}``. Personal data may be null (protected customer data).
"""

from __future__ import annotations

from typing import Any

import orjson

from shopify_app.sync.parse import BulkResultCorrupt

CUSTOMER_COLUMNS = (
    "shopify_id", "email", "first_name", "last_name", "phone", "state", "tags",
    "amount_spent", "number_of_orders", "shopify_created_at", "shopify_updated_at",
)  # fmt: skip

# ``line_items`` last: an order's tuple is made from its own line and completed with its line
# items, which follow on later lines (``order_tuple``, then ``order_row``).
ORDER_COLUMNS = (
    "shopify_id", "customer_shopify_id", "name", "email", "currency", "financial_status",
    "test", "source_name", "subtotal_price", "total_price", "total_discounts", "total_shipping",
    "total_tax", "current_total_price", "current_subtotal_price", "discount_codes",
    "note_attributes", "processed_at", "cancelled_at", "shopify_created_at",
    "shopify_updated_at", "line_items",
)  # fmt: skip

REFUND_COLUMNS = ("shopify_id", "order_shopify_id", "amount", "processed_at", "shopify_created_at")

LATE_LINE_ITEM_COLUMNS = ("order_shopify_id", "line_item")


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def numeric_id(gid: Any) -> int:
    """``"gid://shopify/Order/123"`` → ``123``."""
    if not isinstance(gid, str):
        raise BulkResultCorrupt(f"missing Shopify GID: {gid!r}")
    tail = gid[gid.rfind("/") + 1 :]
    if not tail.isdigit():
        raise BulkResultCorrupt(f"not a numeric Shopify GID: {gid!r}")
    return int(tail)


def _ref_id(obj: Any) -> int | None:
    """The numeric id of a ``{ id }`` reference (customer, variant, product), or None."""
    return numeric_id(obj["id"]) if obj and obj.get("id") else None


def _money(money_bag: Any) -> str:
    """``{"shopMoney": {"amount": "12.50", …}}`` → ``"12.50"``; a null bag (e.g. no tax) is 0."""
    if not money_bag:
        return "0"
    return str(money_bag["shopMoney"]["amount"])


def _lower(value: Any) -> str:
    return value.lower() if isinstance(value, str) else ""


def customer_tuple(node: dict[str, Any]) -> tuple:
    email = node.get("defaultEmailAddress") or {}
    phone = node.get("defaultPhoneNumber") or {}
    spent = node.get("amountSpent") or {}
    orders = node.get("numberOfOrders")  # UnsignedInt64: a string
    return (
        numeric_id(node.get("id")),
        email.get("emailAddress"),
        node.get("firstName"),
        node.get("lastName"),
        phone.get("phoneNumber"),
        _lower(node.get("state")),
        _dumps(node.get("tags") or []),
        spent.get("amount"),
        None if orders is None else int(orders),
        node.get("createdAt"),
        node.get("updatedAt"),
    )


def line_item_json(node: dict[str, Any]) -> bytes:
    """A LineItem node as the mirror's line-item object, serialised: a batch keeps only these
    bytes until its order's row is complete, not the parsed node."""
    return orjson.dumps(
        {
            "id": numeric_id(node.get("id")),
            "variant_id": _ref_id(node.get("variant")),
            "product_id": _ref_id(node.get("product")),
            "quantity": int(node.get("quantity") or 0),
            "price": _money(node.get("originalUnitPriceSet")),
            "total_discount": _money(node.get("totalDiscountSet")),
            "gift_card": bool(node.get("isGiftCard")),
        }
    )


def order_tuple(node: dict[str, Any]) -> tuple:
    """An Order node's columns except ``line_items`` (the last; ``order_row`` adds them)."""
    attributes = {
        str(a["key"]): "" if a.get("value") is None else str(a["value"])
        for a in node.get("customAttributes") or []
    }
    return (
        numeric_id(node.get("id")),
        _ref_id(node.get("customer")),
        node.get("name") or "",
        node.get("email"),
        node.get("currencyCode") or "",
        _lower(node.get("displayFinancialStatus")),
        bool(node.get("test")),
        node.get("sourceName") or "",
        _money(node.get("subtotalPriceSet")),
        _money(node.get("totalPriceSet")),
        _money(node.get("totalDiscountsSet")),
        _money(node.get("totalShippingPriceSet")),
        _money(node.get("totalTaxSet")),
        _money(node.get("currentTotalPriceSet")),
        _money(node.get("currentSubtotalPriceSet")),
        _dumps([str(code) for code in node.get("discountCodes") or []]),
        _dumps(attributes),
        node.get("processedAt"),
        node.get("cancelledAt"),
        node.get("createdAt"),
        node.get("updatedAt"),
    )


def order_row(order: tuple, line_items: list[bytes]) -> tuple:
    """``order_tuple``'s columns completed with the order's line items (``line_item_json``)."""
    return (*order, (b"[" + b",".join(line_items) + b"]").decode())


def refund_tuples(node: dict[str, Any]) -> list[tuple]:
    """The order's refunds (totals only: a bulk query cannot read their line items, transactions
    or shipping lines, which are connections inside the ``refunds`` list)."""
    refunds = node.get("refunds")
    if not refunds:
        return []
    order_id = numeric_id(node.get("id"))
    return [
        (
            numeric_id(refund.get("id")),
            order_id,
            _money(refund.get("totalRefundedSet")),
            refund.get("processedAt") or refund.get("createdAt"),
            refund.get("createdAt"),
        )
        for refund in refunds
    ]


def late_line_item_tuple(parent_gid: str, node: dict[str, Any]) -> tuple:
    """A line item whose order was already written: merged into that order's ``line_items``."""
    return (numeric_id(parent_gid), line_item_json(node).decode())
