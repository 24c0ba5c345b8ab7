"""Orders: create (with a discount code), pay, cancel, refund by line item.

Each action sends the webhooks Shopify sends for it, after its writes:
create → ``orders/create`` (+ ``orders/paid`` when created paid); pay → ``orders/paid``,
``orders/updated``; cancel → ``orders/cancelled``, ``orders/updated``; refund →
``refunds/create``, ``orders/updated``. The customer's ``numberOfOrders`` counts orders and
``amountSpent`` the money kept from paid orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.db import transaction
from django.db.models import F, Sum

from devshop import clock
from devshop.exceptions import DevshopError
from devshop.models import (
    DevCustomer,
    DevLineItem,
    DevOrder,
    DevRefund,
    DevRefundLineItem,
    DevSequence,
    DevShop,
)
from devshop.services import automatic_discounts, discount_rules
from devshop.services.events import emit

CENT = Decimal("0.01")
ZERO = Decimal("0")


@dataclass(frozen=True)
class LineInput:
    title: str
    price: Decimal  # unit price
    quantity: int = 1
    sku: str = ""
    product_id: int | None = None
    variant_id: int | None = None
    gift_card: bool = False


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


@transaction.atomic
def order_create(
    *,
    shop: DevShop,
    customer: DevCustomer | None,
    lines: Sequence[LineInput],
    discount_code: str | None = None,
    email: str | None = None,
    shipping: Decimal = ZERO,
    tax: Decimal = ZERO,
    paid: bool = True,
    test: bool = False,
    note_attributes: Sequence[tuple[str, str]] = (),
    processed_at: datetime | None = None,
) -> DevOrder:
    """Place an order as a checkout would; the code must be usable by this customer now, and
    the best automatic discount for this customer applies (``automatic_discounts``).

    Writes DevOrder, DevLineItems, a DevDiscountRedemption, the customer's counters and the
    shop's next order number. Raises DevshopError for empty orders or an unusable code.
    """
    if not lines or any(line.quantity < 1 or line.price < 0 for line in lines):
        raise DevshopError("an order needs line items with a positive quantity and a price")
    shop = DevShop.objects.select_for_update().get(pk=shop.pk)
    gross = sum((line.price * line.quantity for line in lines), ZERO)
    applied = automatic_discounts.checkout_discounts(
        shop=shop, customer=customer, lines=lines, code=discount_code, shipping=shipping
    )
    discount, shipping_discount = applied.code, applied.shipping
    shares = applied.line_totals(len(lines))
    merchandise_discount = sum(shares, ZERO)
    codes: list[dict] = []
    if discount is not None:
        if discount.kind == discount.Kind.FREE_SHIPPING:
            amount, kind = shipping_discount, "shipping"
        else:
            amount, kind = sum(applied.code_shares, ZERO), discount.value_type
        codes.append({"code": discount.code, "amount": str(amount), "type": kind})
    automatic: list[dict] = []
    if applied.automatic is not None:
        automatic.append(
            {
                "id": applied.automatic.id,
                "title": applied.automatic.title,
                "value_type": applied.automatic.value_type,
                "value": str(applied.automatic.value),
                "amount": str(sum(applied.automatic_shares, ZERO)),
                "allocations": [str(a) for a in applied.automatic_shares],
            }
        )
    now = clock.now()
    number = shop.next_order_number
    shop.next_order_number = number + 1
    shop.save(update_fields=["next_order_number"])
    subtotal = gross - merchandise_discount
    order = DevOrder.objects.create(
        id=DevSequence.allocate("Order"),
        shop=shop,
        number=number,
        customer=customer,
        email=customer.email if customer else email,  # a guest's, from the checkout
        currency=shop.currency,
        financial_status=DevOrder.FinancialStatus.PAID
        if paid
        else DevOrder.FinancialStatus.PENDING,
        subtotal_price=subtotal,
        total_discounts=merchandise_discount + shipping_discount,
        total_shipping=shipping - shipping_discount,
        total_tax=tax,
        total_price=subtotal + shipping - shipping_discount + tax,
        discount_codes=codes,
        automatic_discounts=automatic,
        note_attributes=[{"name": k, "value": v} for k, v in note_attributes],
        test=test,
        processed_at=processed_at or now,
        created_at=now,
        updated_at=now,
    )
    first_id = DevSequence.allocate("LineItem", len(lines))
    for index, line in enumerate(lines):
        DevLineItem.objects.create(
            id=first_id + index,
            order=order,
            product_id=line.product_id,
            variant_id=line.variant_id,
            title=line.title,
            sku=line.sku,
            quantity=line.quantity,
            price=line.price,
            total_discount=shares[index],
            gift_card=line.gift_card,
        )
    if discount is not None:
        discount_rules.discount_redeem(discount=discount, order=order)
    if applied.automatic is not None:
        automatic_discounts.automatic_redeem(discount=applied.automatic)
    if customer is not None:
        DevCustomer.objects.filter(pk=customer.pk).update(
            number_of_orders=F("number_of_orders") + 1,
            amount_spent=F("amount_spent") + (order.total_price if paid else ZERO),
            updated_at=now,
        )
    emit(shop, "orders/create", order)
    if paid:
        emit(shop, "orders/paid", order)
    return order


def _locked(order: DevOrder) -> DevOrder:
    # Lock only the order row (the customer join is outer, which FOR UPDATE can't cover).
    return (
        DevOrder.objects.select_for_update(of=("self",))
        .select_related("shop", "customer")
        .get(pk=order.pk)
    )


@transaction.atomic
def order_pay(*, order: DevOrder) -> DevOrder:
    """Capture a pending order. Raises DevshopError unless it is pending and not cancelled."""
    order = _locked(order)
    if order.financial_status != DevOrder.FinancialStatus.PENDING or order.cancelled_at:
        raise DevshopError(f"order {order.name} is {order.financial_status}, not pending")
    order.financial_status = DevOrder.FinancialStatus.PAID
    order.updated_at = clock.now()
    order.save(update_fields=["financial_status", "updated_at"])
    if order.customer_id:
        DevCustomer.objects.filter(pk=order.customer_id).update(
            amount_spent=F("amount_spent") + order.total_price, updated_at=order.updated_at
        )
    emit(order.shop, "orders/paid", order)
    emit(order.shop, "orders/updated", order)
    return order


@transaction.atomic
def order_cancel(*, order: DevOrder, reason: str = "customer") -> DevOrder:
    """Cancel an order (a pending one is voided). Raises DevshopError if already cancelled."""
    if reason not in {"customer", "declined", "fraud", "inventory", "other", "staff"}:
        raise DevshopError(f"unknown cancel reason {reason!r}")
    order = _locked(order)
    if order.cancelled_at is not None:
        raise DevshopError(f"order {order.name} is already cancelled")
    now = clock.now()
    order.cancelled_at = now
    order.cancel_reason = reason
    if order.financial_status == DevOrder.FinancialStatus.PENDING:
        order.financial_status = DevOrder.FinancialStatus.VOIDED
    order.updated_at = now
    order.save(update_fields=["cancelled_at", "cancel_reason", "financial_status", "updated_at"])
    emit(order.shop, "orders/cancelled", order)
    emit(order.shop, "orders/updated", order)
    return order


def refunded_quantities(order: DevOrder) -> dict[int, int]:
    rows = (
        DevRefundLineItem.objects.filter(refund__order=order)
        .values("line_item_id")
        .annotate(quantity=Sum("quantity"))
    )
    return {row["line_item_id"]: row["quantity"] for row in rows}


@transaction.atomic
def order_refund(
    *,
    order: DevOrder,
    lines: Sequence[tuple[int, int]],
    shipping: Decimal = ZERO,
    note: str | None = None,
    restock: bool = True,
) -> DevRefund:
    """Refund ``(line_item_id, quantity)`` pairs (and shipping) of a paid order.

    Each line is refunded at its discounted unit price and its share of the tax. Raises
    DevshopError for unpaid orders, unknown lines or more than is left to refund.
    """
    order = _locked(order)
    if order.financial_status not in {
        DevOrder.FinancialStatus.PAID,
        DevOrder.FinancialStatus.PARTIALLY_REFUNDED,
    }:
        raise DevshopError(
            f"order {order.name} is {order.financial_status}; only paid orders refund"
        )
    if not lines and shipping <= 0:
        raise DevshopError("a refund needs line items or shipping")
    items = {item.id: item for item in order.line_items.all()}
    already = refunded_quantities(order)
    refund_id = DevSequence.allocate("Refund")
    now = clock.now()
    refund = DevRefund.objects.create(
        id=refund_id,
        order=order,
        note=note,
        restock=restock,
        shipping_amount=shipping,
        amount=ZERO,
        created_at=now,
        processed_at=now,
    )
    merchandise = sum((i.price * i.quantity - i.total_discount for i in items.values()), ZERO)
    total = shipping
    first_id = DevSequence.allocate("RefundLineItem", max(len(lines), 1))
    for index, (line_id, quantity) in enumerate(lines):
        item = items.get(line_id)
        if item is None:
            raise DevshopError(f"line item {line_id} is not on order {order.name}")
        left = item.quantity - already.get(line_id, 0)
        if quantity < 1 or quantity > left:
            raise DevshopError(f"line item {line_id}: can refund 1..{left}, not {quantity}")
        unit = (item.price * item.quantity - item.total_discount) / item.quantity
        subtotal = _cents(unit * quantity)
        tax = _cents(order.total_tax * subtotal / merchandise) if merchandise else ZERO
        DevRefundLineItem.objects.create(
            id=first_id + index,
            refund=refund,
            line_item=item,
            quantity=quantity,
            subtotal=subtotal,
            total_tax=tax,
        )
        total += subtotal + tax
    refunded_before = order.refunds.exclude(pk=refund.pk).aggregate(s=Sum("amount"))["s"] or ZERO
    if refunded_before + total > order.total_price:
        raise DevshopError(f"refund of {total} exceeds what is left on order {order.name}")
    refund.amount = total
    refund.save(update_fields=["amount"])
    fully = refunded_before + total >= order.total_price
    order.financial_status = (
        DevOrder.FinancialStatus.REFUNDED if fully else DevOrder.FinancialStatus.PARTIALLY_REFUNDED
    )
    order.updated_at = now
    order.save(update_fields=["financial_status", "updated_at"])
    if order.customer_id:
        DevCustomer.objects.filter(pk=order.customer_id).update(
            amount_spent=F("amount_spent") - total, updated_at=now
        )
    emit(order.shop, "refunds/create", refund)
    emit(order.shop, "orders/updated", order)
    return refund
