"""Parse webhook payloads into the typed rows our services take, reading only what we use.

Rules (shopify-platform.md §5, §14):

- Ids come from ``admin_graphql_api_id`` when present: the integer ``id`` of a payload built in
  JavaScript can have lost precision, the GID never has. ``id`` is the fallback.
- Money is ``Decimal`` from the ``shop_money`` side of the ``*_set`` twin (the shop's
  currency); the plain string field is the fallback. Never float.
- Personal data (email, names, phone) is optional: Shopify sends ``null`` until the app is
  approved for protected customer data, and nothing may break on it.
- A payload without what we cannot do without (an id) raises ``InvalidPayload``: retrying
  would not help, so the delivery is marked failed at once for an operator to look at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shopify_app.exceptions import ShopifyError
from shopify_app.services.mirror import CustomerRow, OrderRow, RefundRow

ZERO = Decimal("0")


class InvalidPayload(ShopifyError):
    """A webhook payload lacks a field we need or holds a value we cannot read."""


@dataclass(frozen=True, slots=True)
class CustomerPrivacyRequest:
    """``customers/data_request`` and ``customers/redact``: who, and which orders."""

    customer_shopify_id: int | None
    email: str | None
    phone: str | None
    order_shopify_ids: list[int]
    data_request_id: int | None = None


def shopify_id(obj: dict[str, Any], *, gid_key: str = "admin_graphql_api_id") -> int:
    """The resource's numeric id, from its GID when present (exact), else ``id``."""
    gid = obj.get(gid_key)
    if isinstance(gid, str) and gid.startswith("gid://"):
        tail = gid.rsplit("/", 1)[-1].split("?", 1)[0]
        if tail.isdigit():
            return int(tail)
    value = obj.get("id")
    if isinstance(value, bool) or value is None:
        raise InvalidPayload(f"payload has no usable id (keys: {sorted(obj)[:10]})")
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidPayload(f"payload id {value!r} is not an integer") from exc


def _optional_id(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str) and value.startswith("gid://"):
        value = value.rsplit("/", 1)[-1]
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def timestamp(value: Any) -> datetime | None:
    """An aware datetime from Shopify's ISO 8601 (``2026-07-01T12:00:00-04:00``, ``…Z``)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidPayload(f"unreadable timestamp {value!r}") from exc
    if parsed.tzinfo is None:
        raise InvalidPayload(f"timestamp without an offset {value!r}")
    return parsed


def _decimal(value: Any) -> Decimal:
    if value is None or value == "":
        return ZERO
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise InvalidPayload(f"unreadable amount {value!r}") from exc


def money(obj: dict[str, Any], name: str) -> Decimal:
    """``obj[name + "_set"].shop_money.amount`` as Decimal, falling back to ``obj[name]``."""
    money_set = obj.get(f"{name}_set") or {}
    shop_money = money_set.get("shop_money") if isinstance(money_set, dict) else None
    if isinstance(shop_money, dict) and shop_money.get("amount") is not None:
        return _decimal(shop_money["amount"])
    return _decimal(obj.get(name))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _nullable_text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def customer_row(payload: dict[str, Any]) -> CustomerRow:
    """``customers/create`` and ``customers/update`` (and an order's ``customer``)."""
    tags = payload.get("tags")
    if isinstance(tags, str):  # older versions send a comma-separated string
        tags = [t.strip() for t in tags.split(",") if t.strip()]
    return CustomerRow(
        shopify_id=shopify_id(payload),
        email=_nullable_text(payload.get("email")),
        first_name=_nullable_text(payload.get("first_name")),
        last_name=_nullable_text(payload.get("last_name")),
        phone=_nullable_text(payload.get("phone")),
        state=_text(payload.get("state")),
        tags=tags if isinstance(tags, list) else None,
        created_at=timestamp(payload.get("created_at")),
        updated_at=timestamp(payload.get("updated_at")),
    )


def _line_item(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": shopify_id(item),
        "variant_id": _optional_id(item.get("variant_id")),
        "product_id": _optional_id(item.get("product_id")),
        "quantity": int(item.get("quantity") or 0),
        "price": str(money(item, "price")),
        "total_discount": str(money(item, "total_discount")),
        "gift_card": bool(item.get("gift_card")),
    }


def order_row(payload: dict[str, Any]) -> OrderRow:
    """``orders/create|updated|paid|cancelled``."""
    customer = payload.get("customer") or None
    note_attributes = {
        _text(a.get("name")): _text(a.get("value"))
        for a in payload.get("note_attributes") or []
        if isinstance(a, dict) and a.get("name") is not None
    }
    currency = payload.get("currency")
    if not currency:
        raise InvalidPayload("order payload has no currency")
    return OrderRow(
        shopify_id=shopify_id(payload),
        customer_shopify_id=shopify_id(customer) if isinstance(customer, dict) else None,
        name=_text(payload.get("name")),
        email=_nullable_text(payload.get("email")),
        currency=str(currency),
        financial_status=_text(payload.get("financial_status")),
        test=bool(payload.get("test")),
        source_name=_text(payload.get("source_name")),
        subtotal_price=money(payload, "subtotal_price"),
        total_price=money(payload, "total_price"),
        total_discounts=money(payload, "total_discounts"),
        total_shipping=money(payload, "total_shipping_price"),
        total_tax=money(payload, "total_tax"),
        current_total_price=money(payload, "current_total_price"),
        current_subtotal_price=money(payload, "current_subtotal_price"),
        line_items=[_line_item(i) for i in payload.get("line_items") or []],
        discount_codes=[
            str(c["code"]) for c in payload.get("discount_codes") or [] if c.get("code")
        ],
        note_attributes=note_attributes,
        processed_at=timestamp(payload.get("processed_at")),
        cancelled_at=timestamp(payload.get("cancelled_at")),
        created_at=timestamp(payload.get("created_at")),
        updated_at=timestamp(payload.get("updated_at")),
    )


def order_customer_row(payload: dict[str, Any]) -> CustomerRow | None:
    """The customer embedded in an order payload, if any (it has no reliable ``updated_at``)."""
    customer = payload.get("customer")
    return customer_row(customer) if isinstance(customer, dict) else None


def refund_row(payload: dict[str, Any]) -> RefundRow:
    """``refunds/create``: refunded lines, shipping refunded and the money returned."""
    order_id = _optional_id(payload.get("order_id"))
    if order_id is None:
        raise InvalidPayload("refund payload has no order_id")
    lines = [
        {
            "line_item_id": _optional_id(line.get("line_item_id")),
            "quantity": int(line.get("quantity") or 0),
            "subtotal": str(money(line, "subtotal")),
            "total_tax": str(money(line, "total_tax")),
            "gift_card": bool((line.get("line_item") or {}).get("gift_card")),
        }
        for line in payload.get("refund_line_items") or []
    ]
    # Shipping refunds appear as refund_shipping_lines (newer) or as shipping_refund order
    # adjustments, whose amounts are negative.
    shipping = sum(
        (money(s, "subtotal_amount") for s in payload.get("refund_shipping_lines") or []), ZERO
    ) - sum(
        (
            money(a, "amount")
            for a in payload.get("order_adjustments") or []
            if a.get("kind") == "shipping_refund"
        ),
        ZERO,
    )
    returned = sum(
        (
            _decimal(t.get("amount"))
            for t in payload.get("transactions") or []
            if t.get("kind") == "refund" and t.get("status") == "success"
        ),
        ZERO,
    )
    return RefundRow(
        shopify_id=shopify_id(payload),
        order_shopify_id=order_id,
        refund_line_items=lines,
        shipping_refunded=shipping,
        amount=returned,
        processed_at=timestamp(payload.get("processed_at")),
        created_at=timestamp(payload.get("created_at")),
    )


def customer_privacy_request(payload: dict[str, Any]) -> CustomerPrivacyRequest:
    """``customers/data_request`` and ``customers/redact``."""
    customer = payload.get("customer") or {}
    orders = payload.get("orders_requested") or payload.get("orders_to_redact") or []
    return CustomerPrivacyRequest(
        customer_shopify_id=_optional_id(customer.get("id")),
        email=_nullable_text(customer.get("email")),
        phone=_nullable_text(customer.get("phone")),
        order_shopify_ids=[i for i in (_optional_id(o) for o in orders) if i is not None],
        data_request_id=_optional_id((payload.get("data_request") or {}).get("id")),
    )
