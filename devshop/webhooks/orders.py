"""The bodies of the order topics and ``refunds/create``: totals derived from the lines (unit
price times quantity, minus discounts, plus shipping and tax; ``current_*`` net of refunds),
in shop and presentment money."""

from __future__ import annotations

import copy
import hashlib
from decimal import Decimal
from typing import Any

from devshop.webhooks.common import (
    CENT,
    customer_fields,
    example_payload,
    full_name,
    gid,
    money,
    ts,
)
from devshop.webhooks.inputs import (
    ZERO,
    AddressData,
    CustomerData,
    LineItemData,
    OrderData,
    RefundData,
    ShopData,
)


class _Pricing:
    """Formats an order's amounts and their ``*_set`` twins (shop and presentment money)."""

    def __init__(self, shop: ShopData, order: OrderData) -> None:
        self.shop_currency = shop.currency
        self.presentment_currency = order.presentment_currency or shop.currency
        self.rate = order.presentment_rate

    def set(self, amount: Decimal) -> dict[str, dict[str, str]]:
        return {
            "shop_money": {"amount": money(amount), "currency_code": self.shop_currency},
            "presentment_money": {
                "amount": money(amount * self.rate),
                "currency_code": self.presentment_currency,
            },
        }


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
        "name": full_name(customer.first_name, customer.last_name),
        "country_code": address.country_code,
        "province_code": address.province_code,
    }


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
            "price": money(item.price),
            "price_set": pricing.set(item.price),
            "product_exists": item.product_id is not None,
            "product_id": item.product_id,
            "properties": [],
            "quantity": item.quantity,
            "requires_shipping": item.requires_shipping,
            "sku": item.sku,
            "taxable": item.taxable,
            "title": item.title,
            "total_discount": money(item.total_discount),
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
                    "amount": money(amount),
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
            "cancelled_at": ts(order.cancelled_at, shop),
            "closed_at": ts(order.closed_at, shop),
            "confirmation_number": token[:9].upper(),
            "confirmed": True,
            "contact_email": order.email,
            "created_at": ts(order.created_at, shop),
            "currency": shop.currency,
            "current_shipping_price_set": pricing.set(order.shipping_price),
            "current_subtotal_price": money(current_subtotal),
            "current_subtotal_price_set": pricing.set(current_subtotal),
            "current_total_discounts": money(discounts),
            "current_total_discounts_set": pricing.set(discounts),
            "current_total_price": money(current_total),
            "current_total_price_set": pricing.set(current_total),
            "current_total_tax": money(current_tax),
            "current_total_tax_set": pricing.set(current_tax),
            "customer": (
                customer_fields(shop, order.customer) if order.customer is not None else None
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
                    "value": str(d.value if d.value is not None else money(d.amount)),
                    "value_type": "percentage" if d.type == "percentage" else "fixed_amount",
                    "allocation_method": "each" if d.type == "shipping" else "across",
                    "target_selection": d.target_selection,
                    "code": d.code,
                }
                for d in order.discount_codes
            ],
            "discount_codes": [
                {"code": d.code, "amount": money(d.amount), "type": d.type}
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
            "processed_at": ts(order.processed_at or order.created_at, shop),
            "referring_site": order.referring_site,
            "refunds": [_refund_fields(shop, order, r, pricing) for r in order.refunds],
            "source_name": order.source_name,
            "subtotal_price": money(subtotal),
            "subtotal_price_set": pricing.set(subtotal),
            "tags": ", ".join(order.tags),
            "test": order.test,
            "token": token,
            "total_discounts": money(discounts),
            "total_discounts_set": pricing.set(discounts),
            "total_line_items_price": money(line_items_total),
            "total_line_items_price_set": pricing.set(line_items_total),
            "total_outstanding": money(outstanding),
            "total_price": money(total),
            "total_price_set": pricing.set(total),
            "total_shipping_price_set": pricing.set(order.shipping_price),
            "total_tax": money(order.total_tax),
            "total_tax_set": pricing.set(order.total_tax),
            "total_tip_received": "0.00",
            "total_weight": sum(i.grams * i.quantity for i in order.line_items),
            "updated_at": ts(order.updated_at, shop),
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
            "price": money(order.shipping_price),
            "price_set": pricing.set(order.shipping_price),
            "discounted_price": money(order.shipping_price),
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
            "created_at": ts(refund.created_at, shop),
            "test": order.test,
            "processed_at": ts(refund.processed_at or refund.created_at, shop),
            "source_name": "web",
            "amount": money(refund.amount),
            "currency": shop.currency,
            "payment_id": f"#{order.order_number}.{refund.id}",
            "admin_graphql_api_id": gid("OrderTransaction", refund.transaction_id),
        }
    )
    body.update(
        {
            "id": refund.id,
            "order_id": order.id,
            "created_at": ts(refund.created_at, shop),
            "note": refund.note,
            "user_id": refund.user_id,
            "processed_at": ts(refund.processed_at or refund.created_at, shop),
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
