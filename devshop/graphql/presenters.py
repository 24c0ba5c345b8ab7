"""devshop rows as Admin GraphQL objects.

Each presenter returns a dict keyed by the schema's field names. A value is either the field's
value or a callable taking the field's arguments (connections, lookups, anything costly), so
only what a query selects is computed. A field missing from the dict is one devshop does not
implement: the executor answers it with an error instead of inventing a null.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from devshop import conf
from devshop.models import (
    DevAppSubscription,
    DevBulkOperation,
    DevCustomer,
    DevLineItem,
    DevMetafield,
    DevOrder,
    DevRefund,
    DevRefundLineItem,
    DevShop,
    DevWebhookSubscription,
    gid,
)
from devshop.services.customers import compare_digest


def money_str(amount: Decimal) -> str:
    """Shopify's Decimal scalar: ``"12.5"``, ``"50.0"``."""
    text = format(Decimal(amount).normalize(), "f")
    return text if "." in text else f"{text}.0"


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"__typename": "MoneyV2", "amount": money_str(amount), "currencyCode": currency}


def money_bag(amount: Decimal, currency: str) -> dict[str, Any]:
    # devshop has one currency per shop: both sides are the same amount (one dict, read-only).
    shop_money = money(amount, currency)
    return {"__typename": "MoneyBag", "shopMoney": shop_money, "presentmentMoney": shop_money}


def shop(row: DevShop) -> dict[str, Any]:
    return {
        "__typename": "Shop",
        "id": row.gid,
        "name": row.name,
        "email": row.email,
        "contactEmail": row.email,
        "myshopifyDomain": row.domain,
        "currencyCode": row.currency,
        "ianaTimezone": row.timezone,
        "url": f"https://{row.domain}",
        "plan": {
            "__typename": "ShopPlan",
            "displayName": row.plan_display_name,
            "publicDisplayName": row.plan_display_name,
            "partnerDevelopment": row.plan_name == "partner_test",
            "shopifyPlus": row.plan_name == "shopify_plus",
        },
    }


def customer(
    row: DevCustomer, *, currency: str, orders: Any = None, metafield: Any = None
) -> dict[str, Any]:
    """``currency`` is the shop's; ``orders`` and ``metafield`` are resolver callables supplied
    by the query layer."""
    data: dict[str, Any] = {
        "__typename": "Customer",
        "id": row.gid,
        "legacyResourceId": str(row.id),
        "firstName": row.first_name or None,
        "lastName": row.last_name or None,
        "displayName": " ".join(p for p in (row.first_name, row.last_name) if p)
        or (row.email or ""),
        "email": row.email,
        "defaultEmailAddress": (
            {"__typename": "CustomerEmailAddress", "emailAddress": row.email} if row.email else None
        ),
        "phone": row.phone,
        "defaultPhoneNumber": (
            {"__typename": "CustomerPhoneNumber", "phoneNumber": row.phone} if row.phone else None
        ),
        "state": row.state.upper(),
        "verifiedEmail": row.verified_email,
        "tags": list(row.tags),
        "note": row.note,
        "amountSpent": money(row.amount_spent, currency),
        "numberOfOrders": str(row.number_of_orders),
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }
    if orders is not None:
        data["orders"] = orders
    if metafield is not None:
        data["metafield"] = metafield
    return data


_FINANCIAL_STATUS = {
    "pending": "PENDING",
    "paid": "PAID",
    "partially_refunded": "PARTIALLY_REFUNDED",
    "refunded": "REFUNDED",
    "voided": "VOIDED",
}


def order(
    row: DevOrder,
    *,
    customer_node: Any,
    line_items: Any,
    refunds: Any,
    refunded: Decimal,
    refunded_subtotal: Decimal,
) -> dict[str, Any]:
    currency = row.currency
    current_total = row.total_price - refunded
    return {
        "__typename": "Order",
        "id": row.gid,
        "legacyResourceId": str(row.id),
        "name": row.name,
        "number": row.number,
        "email": row.email,
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
        "processedAt": iso(row.processed_at),
        "cancelledAt": iso(row.cancelled_at),
        "cancelReason": row.cancel_reason.upper() if row.cancel_reason else None,
        "closed": row.cancelled_at is not None,
        "test": row.test,
        "currencyCode": currency,
        "presentmentCurrencyCode": currency,
        "displayFinancialStatus": _FINANCIAL_STATUS.get(row.financial_status),
        "fullyPaid": row.financial_status in {"paid", "partially_refunded", "refunded"},
        "sourceName": row.source_name,
        "tags": [],
        "note": None,
        "customer": customer_node,
        "discountCodes": [d["code"] for d in row.discount_codes],
        "discountCode": row.discount_codes[0]["code"] if row.discount_codes else None,
        "customAttributes": [
            {"__typename": "Attribute", "key": a["name"], "value": a.get("value")}
            for a in row.note_attributes
        ],
        "subtotalPriceSet": money_bag(row.subtotal_price, currency),
        "currentSubtotalPriceSet": money_bag(row.subtotal_price - refunded_subtotal, currency),
        "totalPriceSet": money_bag(row.total_price, currency),
        "currentTotalPriceSet": money_bag(current_total, currency),
        "totalDiscountsSet": money_bag(row.total_discounts, currency),
        "currentTotalDiscountsSet": money_bag(row.total_discounts, currency),
        "totalRefundedSet": money_bag(refunded, currency),
        "totalShippingPriceSet": money_bag(row.total_shipping, currency),
        "totalTaxSet": money_bag(row.total_tax, currency),
        "lineItems": line_items,
        "refunds": refunds,
    }


def line_item(row: DevLineItem, currency: str, refunded_quantity: int) -> dict[str, Any]:
    unit_discount = row.total_discount / row.quantity if row.quantity else Decimal("0")
    current = row.quantity - refunded_quantity
    return {
        "__typename": "LineItem",
        "id": gid("LineItem", row.id),
        "name": row.title,
        "title": row.title,
        "variantTitle": None,
        "sku": row.sku or None,
        "quantity": row.quantity,
        "currentQuantity": current,
        "refundableQuantity": current,
        "isGiftCard": row.gift_card,
        "originalUnitPriceSet": money_bag(row.price, currency),
        "discountedUnitPriceSet": money_bag(row.price - unit_discount, currency),
        "originalTotalSet": money_bag(row.price * row.quantity, currency),
        "totalDiscountSet": money_bag(row.total_discount, currency),
        "product": (
            {"__typename": "Product", "id": gid("Product", row.product_id)}
            if row.product_id
            else None
        ),
        "variant": (
            {"__typename": "ProductVariant", "id": gid("ProductVariant", row.variant_id)}
            if row.variant_id
            else None
        ),
    }


def refund(
    row: DevRefund,
    currency: str,
    *,
    order_node: Any,
    refund_line_items: Any,
    transactions: Any,
    refund_shipping_lines: Any,
) -> dict[str, Any]:
    return {
        "__typename": "Refund",
        "id": gid("Refund", row.id),
        "legacyResourceId": str(row.id),
        "createdAt": iso(row.created_at),
        "processedAt": iso(row.processed_at),
        "updatedAt": iso(row.processed_at),
        "note": row.note,
        "totalRefundedSet": money_bag(row.amount, currency),
        "order": order_node,
        "refundLineItems": refund_line_items,
        "transactions": transactions,
        "refundShippingLines": refund_shipping_lines,
    }


def refund_transaction(row: DevRefund, currency: str, *, test: bool) -> dict[str, Any]:
    """The refund's one successful refund transaction (id as in the refunds/create webhook)."""
    return {
        "__typename": "OrderTransaction",
        "id": gid("OrderTransaction", row.id + 1),
        "kind": "REFUND",
        "status": "SUCCESS",
        "gateway": "bogus",
        "test": test,
        "amountSet": money_bag(row.amount, currency),
        "createdAt": iso(row.created_at),
        "processedAt": iso(row.processed_at),
    }


def refund_shipping_line(row: DevRefund, currency: str) -> dict[str, Any]:
    """The shipping a refund gave back (devshop charges no tax on shipping)."""
    return {
        "__typename": "RefundShippingLine",
        "id": gid("RefundShippingLine", row.id),
        "subtotalAmountSet": money_bag(row.shipping_amount, currency),
        "taxAmountSet": money_bag(Decimal("0"), currency),
        "shippingLine": {"__typename": "ShippingLine", "id": None, "title": "Shipping"},
    }


def refund_line_item(row: DevRefundLineItem, currency: str, line: dict[str, Any]) -> dict[str, Any]:
    unit = row.subtotal / row.quantity if row.quantity else Decimal("0")
    return {
        "__typename": "RefundLineItem",
        "id": gid("RefundLineItem", row.id),
        "lineItem": line,
        "quantity": row.quantity,
        "restocked": row.refund.restock,
        "restockType": "RETURN" if row.refund.restock else "NO_RESTOCK",
        "priceSet": money_bag(unit, currency),
        "subtotalSet": money_bag(row.subtotal, currency),
        "totalTaxSet": money_bag(row.total_tax, currency),
    }


def metafield(row: DevMetafield) -> dict[str, Any]:
    return {
        "__typename": "Metafield",
        "id": gid("Metafield", row.id),
        "namespace": row.namespace,
        "key": row.key,
        "type": row.type,
        "value": row.value,
        "compareDigest": compare_digest(row.value),
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
        "ownerType": row.owner_gid.split("/")[3].upper(),
    }


def webhook_subscription(row: DevWebhookSubscription) -> dict[str, Any]:
    return {
        "__typename": "WebhookSubscription",
        "id": row.gid,
        "legacyResourceId": str(row.id),
        "topic": row.topic,
        "uri": row.uri,
        "callbackUrl": row.uri,
        "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": row.uri},
        "format": row.format,
        "name": row.name,
        "includeFields": list(row.include_fields),
        "metafieldNamespaces": list(row.metafield_namespaces),
        "filter": row.filter,
        "apiVersion": {
            "__typename": "ApiVersion",
            "handle": "2026-07",
            "displayName": "2026-07 (Latest)",
            "supported": True,
        },
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }


def bulk_operation(row: DevBulkOperation) -> dict[str, Any]:
    completed = row.status == DevBulkOperation.Status.COMPLETED
    return {
        "__typename": "BulkOperation",
        "id": row.gid,
        "type": row.type,
        "status": row.status,
        "query": row.query,
        "errorCode": row.error_code,
        "createdAt": iso(row.created_at),
        "completedAt": iso(row.completed_at),
        "objectCount": str(row.object_count),
        "rootObjectCount": str(row.root_object_count),
        "fileSize": str(row.file_size) if row.file_size is not None else None,
        # An operation that found nothing has no file, as on Shopify.
        "url": bulk_result_url(row) if completed and row.object_count else None,
        "partialDataUrl": None,
    }


def bulk_result_url(row: DevBulkOperation) -> str:
    return f"{conf.public_origin()}/devshop/bulk/results/{row.file_name}"


def app_subscription(row: DevAppSubscription) -> dict[str, Any]:
    return {
        "__typename": "AppSubscription",
        "id": row.gid,
        "name": row.name,
        "status": row.status,
        "test": row.test,
        "trialDays": row.trial_days,
        "returnUrl": row.return_url,
        "createdAt": iso(row.created_at),
        "currentPeriodEnd": None,
        "lineItems": [
            _subscription_line_item(row, index, item) for index, item in enumerate(row.line_items)
        ],
    }


def _subscription_line_item(row: DevAppSubscription, index: int, item: dict) -> dict[str, Any]:
    plan = item.get("plan", {})
    if "appRecurringPricingDetails" in plan:
        details = plan["appRecurringPricingDetails"]
        pricing: dict[str, Any] = {
            "__typename": "AppRecurringPricing",
            "price": money(
                Decimal(str(details["price"]["amount"])), details["price"]["currencyCode"]
            ),
            "interval": details.get("interval") or "EVERY_30_DAYS",
            "discount": None,
            "planHandle": None,
        }
    else:
        details = plan.get("appUsagePricingDetails", {})
        capped = details.get("cappedAmount", {"amount": "0", "currencyCode": "USD"})
        pricing = {
            "__typename": "AppUsagePricing",
            "cappedAmount": money(Decimal(str(capped["amount"])), capped["currencyCode"]),
            "balanceUsed": money(Decimal("0"), capped["currencyCode"]),
            "interval": "EVERY_30_DAYS",
            "terms": details.get("terms", ""),
        }
    return {
        "__typename": "AppSubscriptionLineItem",
        "id": f"gid://shopify/AppSubscriptionLineItem/{row.id}?v=1&index={index}",
        "plan": {"__typename": "AppPlanV2", "pricingDetails": pricing},
    }
