"""devshop's records → the plain data ``payloads`` builds webhook bodies from.

``payload_for(shop, topic, resource)`` picks the builder for ``topic`` and converts the
resource the service passed (see ``devshop.services.events``):

=======================================  ===================================================
topic                                    resource
=======================================  ===================================================
orders/create|paid|updated|cancelled     ``DevOrder``
refunds/create                           ``DevRefund``
customers/create|update                  ``DevCustomer``
customers/delete                         ``DevCustomer`` or its id
customers/data_request                   ``{"customer": DevCustomer, "orders_requested":
                                         [order ids], "data_request_id": int}``
customers/redact                         ``{"customer": DevCustomer, "orders_to_redact":
                                         [order ids]}``
shop/redact, app/uninstalled             the ``DevShop`` (or anything; the shop is used)
app/scopes_update                        ``{"previous": [...], "current": [...]}``
bulk_operations/finish                   ``DevBulkOperation``
app_subscriptions/update                 ``DevAppSubscription``
=======================================  ===================================================
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from devshop import clock
from devshop.webhooks import payloads as p

if TYPE_CHECKING:
    from devshop.models import (
        DevAppSubscription,
        DevBulkOperation,
        DevCustomer,
        DevOrder,
        DevRefund,
        DevShop,
    )

ORDER_TOPICS = frozenset({"orders/create", "orders/paid", "orders/updated", "orders/cancelled"})


class UnknownTopic(ValueError):
    """devshop has no payload builder for this topic."""


def shop_data(shop: DevShop) -> p.ShopData:
    owner = shop.staff.filter(account_owner=True).first()
    return p.ShopData(
        id=shop.id,
        domain=shop.domain,
        name=shop.name,
        email=shop.email,
        currency=shop.currency,
        iana_timezone=shop.timezone,
        plan_name=shop.plan_name,
        plan_display_name=shop.plan_display_name,
        shop_owner=f"{owner.first_name} {owner.last_name}" if owner else shop.name,
        created_at=shop.created_at,
        updated_at=shop.updated_at,
    )


def customer_data(customer: DevCustomer) -> p.CustomerData:
    return p.CustomerData(
        id=customer.id,
        email=customer.email,
        first_name=customer.first_name or None,
        last_name=customer.last_name or None,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        phone=customer.phone,
        state=customer.state,
        note=customer.note,
        verified_email=customer.verified_email,
        # devshop keeps no addresses; every customer gets the same demo address, whose id is
        # derived from the customer's so it is stable.
        address=p.AddressData(id=customer.id + 1, address2="Suite 100", company="Demo Co."),
    )


def _refund_data(refund: DevRefund) -> p.RefundData:
    # Refunds in devshop are made "by the merchant": the shop owner is the refund's user.
    owner = refund.order.shop.staff.filter(account_owner=True).first()
    return p.RefundData(
        id=refund.id,
        created_at=refund.created_at,
        processed_at=refund.processed_at,
        line_items=[
            p.RefundLineItemData(
                id=rli.id,
                line_item_id=rli.line_item_id,
                quantity=rli.quantity,
                subtotal=rli.subtotal,
                total_tax=rli.total_tax,
                restock_type="return" if refund.restock else "no_restock",
            )
            for rli in refund.line_items.order_by("id")
        ],
        amount=refund.amount,
        # One refund transaction per refund; its id only needs to be stable and distinct.
        transaction_id=refund.id + 1,
        note=refund.note,
        restock=refund.restock,
        user_id=owner.id if owner else None,
    )


def _discount_code_data(order: DevOrder, used: dict) -> p.DiscountCodeData:
    """A code on the order, with what its discount_application needs from the code itself:
    its value (10.0 for 10 %) and whether it targets every line or only its items."""
    from devshop.models import DevDiscountCode, DevDiscountRedemption

    amount = Decimal(str(used["amount"]))
    redemption = (
        DevDiscountRedemption.objects.filter(order=order, discount__code__iexact=used["code"])
        .select_related("discount")
        .first()
    )
    if redemption is None:  # an order written without a checkout (seeds, fixtures)
        return p.DiscountCodeData(
            code=used["code"], amount=amount, type=used.get("type", "fixed_amount")
        )
    discount = redemption.discount
    percentage = discount.value_type == DevDiscountCode.ValueType.PERCENTAGE
    return p.DiscountCodeData(
        code=used["code"],
        amount=amount,
        type=used.get("type", "fixed_amount"),
        value=discount.value * 100 if percentage else None,
        target_selection="all" if discount.items_all else "entitled",
    )


def _automatic_data(used: dict) -> p.AutomaticDiscountData:
    value = Decimal(used["value"])
    # Shopify writes a percentage as "10.0" and an amount as money ("5.00").
    if used["value_type"] == "percentage":
        value = (value * 100).quantize(Decimal("0.1"))
    else:
        value = value.quantize(Decimal("0.01"))
    return p.AutomaticDiscountData(
        title=used["title"],
        amount=Decimal(used["amount"]),
        value_type=used["value_type"],
        value=value,
    )


def _allocations(order: DevOrder, index: int, total: Decimal) -> list[tuple[int, Decimal]]:
    """(application index, amount) of each discount on line ``index``: the automatic ones
    first (as they are listed), the code takes the rest of the line's discount."""
    automatic = [Decimal(a["allocations"][index]) for a in order.automatic_discounts]
    found = list(enumerate(automatic))
    if order.discount_codes:
        found.append((len(automatic), total - sum(automatic, Decimal("0"))))
    return found


def order_data(order: DevOrder) -> p.OrderData:
    return p.OrderData(
        id=order.id,
        order_number=order.number,
        email=order.email,
        customer=customer_data(order.customer) if order.customer is not None else None,
        line_items=[
            p.LineItemData(
                id=item.id,
                title=item.title,
                quantity=item.quantity,
                price=item.price,
                sku=item.sku,
                product_id=item.product_id,
                variant_id=item.variant_id,
                total_discount=item.total_discount,
                discount_allocations=_allocations(order, index, item.total_discount),
                gift_card=item.gift_card,
            )
            for index, item in enumerate(order.line_items.order_by("id"))
        ],
        created_at=order.created_at,
        updated_at=order.updated_at,
        processed_at=order.processed_at,
        financial_status=order.financial_status,
        cancelled_at=order.cancelled_at,
        cancel_reason=order.cancel_reason,
        discount_codes=[_discount_code_data(order, d) for d in order.discount_codes],
        automatic_discounts=[_automatic_data(d) for d in order.automatic_discounts],
        refunds=[_refund_data(r) for r in order.refunds.order_by("id")],
        shipping_price=order.total_shipping,
        total_tax=order.total_tax,
        note_attributes=[(a["name"], a["value"]) for a in order.note_attributes],
        test=order.test,
        source_name=order.source_name,
    )


def _subscription_data(subscription: DevAppSubscription) -> p.AppSubscriptionData:
    price, currency, interval, capped = Decimal("0"), "USD", "every_30_days", None
    for line in subscription.line_items:
        plan = line.get("plan", {})
        if recurring := plan.get("appRecurringPricingDetails"):
            price = Decimal(str(recurring["price"]["amount"]))
            currency = recurring["price"].get("currencyCode", currency)
            interval = recurring.get("interval", "EVERY_30_DAYS").lower()
        if usage := plan.get("appUsagePricingDetails"):
            capped = Decimal(str(usage["cappedAmount"]["amount"]))
    return p.AppSubscriptionData(
        id=subscription.id,
        name=subscription.name,
        status=subscription.status,
        created_at=subscription.created_at,
        updated_at=subscription.updated_at,
        price=price,
        currency=currency,
        capped_amount=capped,
        interval=interval,
        plan_handle=subscription.name.lower().replace(" ", "-"),
    )


def _bulk_data(operation: DevBulkOperation) -> p.BulkOperationData:
    return p.BulkOperationData(
        id=operation.id,
        status=operation.status,
        type=operation.type,
        created_at=operation.created_at,
        completed_at=operation.completed_at or clock.now(),
        error_code=operation.error_code,
    )


def payload_for(shop: DevShop, topic: str, resource: Any) -> dict[str, Any]:
    """The webhook body for ``topic``, built from Shopify's example with ``resource``'s data."""
    data = shop_data(shop)
    if topic in ORDER_TOPICS:
        return p.order_payload(shop=data, order=order_data(resource), topic=topic)
    if topic == "refunds/create":
        return p.refund_payload(
            shop=data, order=order_data(resource.order), refund=_refund_data(resource)
        )
    if topic in {"customers/create", "customers/update"}:
        return p.customer_payload(shop=data, customer=customer_data(resource), topic=topic)
    if topic == "customers/delete":
        customer_id = resource if isinstance(resource, int) else resource.id
        return p.customer_delete_payload(shop=data, customer_id=customer_id)
    if topic == "customers/data_request":
        return p.customers_data_request_payload(
            shop=data,
            customer=customer_data(resource["customer"]),
            orders_requested=resource.get("orders_requested", []),
            data_request_id=resource["data_request_id"],
        )
    if topic == "customers/redact":
        return p.customers_redact_payload(
            shop=data,
            customer=customer_data(resource["customer"]),
            orders_to_redact=resource.get("orders_to_redact", []),
        )
    if topic == "shop/redact":
        return p.shop_redact_payload(shop=data)
    if topic == "app/uninstalled":
        return p.app_uninstalled_payload(shop=data)
    if topic == "app/scopes_update":
        return p.app_scopes_update_payload(
            shop=data,
            previous=resource["previous"],
            current=resource["current"],
            updated_at=resource.get("updated_at") or clock.now(),
            event_id=resource.get("id", 1),
        )
    if topic == "bulk_operations/finish":
        return p.bulk_operation_finish_payload(shop=data, operation=_bulk_data(resource))
    if topic == "app_subscriptions/update":
        return p.app_subscription_update_payload(
            shop=data, subscription=_subscription_data(resource)
        )
    raise UnknownTopic(f"devshop builds no payload for {topic}")
