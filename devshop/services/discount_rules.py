"""The rules a checkout applies to a code: may it be used now, and what it takes off.

``discount_for_checkout`` checks a code against a cart (exists, active, customer context,
usage limit, once per customer, minimum, entitled items) and raises ``DiscountRefused`` with
Shopify's wording for the shopper; ``discount_allocate`` says what it takes off each line and
off shipping; ``discount_redeem`` records the use.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Protocol

from django.db.models import F

from devshop import clock
from devshop.exceptions import DevshopError
from devshop.models import DevDiscountCode, DevDiscountRedemption, DevOrder, DevShop

CENT = Decimal("0.01")

# What Shopify's checkout tells a shopper: it never says which rule a code broke.
INVALID_CODE = "Enter a valid discount code"
NOT_AVAILABLE = "This discount code isn't available to you right now"
NOT_FOR_CART = "This discount code isn't valid for the items in your cart"


class DiscountRefused(DevshopError):
    """A checkout refuses a code: ``message`` is for developers (the control page, logs),
    ``shopper_message`` is Shopify's wording for the shopper."""

    def __init__(self, message: str, *, shopper_message: str) -> None:
        super().__init__(message, code="invalid_discount")
        self.shopper_message = shopper_message


def discount_for_checkout(
    *, shop: DevShop, code: str, customer_id: int | None, lines: Sequence[DiscountLine]
) -> DevDiscountCode:
    """The code a checkout of ``lines`` may apply now, locked; ``DiscountRefused`` says why not.

    The rules, in Shopify's order: the code exists and is active (starts/ends), the customer is
    in its context, its usage limit and once-per-customer are not spent, the minimum subtotal
    or quantity is met, and at least one line is an entitled item.
    """
    discount = (
        DevDiscountCode.objects.select_for_update()
        .filter(shop=shop, code__iexact=code.strip(), deleted_at=None)
        .first()
    )
    now = clock.now()
    subtotal = sum((line.price * line.quantity for line in lines), Decimal("0"))
    quantity = sum(line.quantity for line in lines)

    def refuse(detail: str, shopper_message: str) -> DiscountRefused:
        return DiscountRefused(f"Discount code {code!r} {detail}", shopper_message=shopper_message)

    if discount is None:
        raise refuse("does not exist", INVALID_CODE)
    if discount.starts_at > now or (discount.ends_at is not None and discount.ends_at <= now):
        raise refuse("is not active", INVALID_CODE)
    if not discount.context_all and customer_id not in discount.context_customer_ids:
        raise refuse("is not for this customer", NOT_AVAILABLE)
    if discount.usage_limit is not None and discount.usage_count >= discount.usage_limit:
        raise refuse("has reached its usage limit", INVALID_CODE)
    if (
        discount.applies_once_per_customer
        and customer_id is not None
        and discount.uses.filter(customer_id=customer_id).exists()
    ):
        raise refuse("was already used by this customer", NOT_AVAILABLE)
    if discount.minimum_subtotal is not None and subtotal < discount.minimum_subtotal:
        raise refuse(f"needs a subtotal of {discount.minimum_subtotal}", NOT_FOR_CART)
    if discount.minimum_quantity is not None and quantity < discount.minimum_quantity:
        raise refuse(f"needs {discount.minimum_quantity} items", NOT_FOR_CART)
    if not any(discount_entitles(discount, line) for line in lines):
        raise refuse("applies to none of these items", NOT_FOR_CART)
    return discount


class DiscountLine(Protocol):
    """What the discount rules read of a cart or order line."""

    # Read-only members, so frozen dataclasses (orders.LineInput) and rows both fit.
    @property
    def price(self) -> Decimal: ...  # unit price

    @property
    def quantity(self) -> int: ...

    @property
    def product_id(self) -> int | None: ...

    @property
    def variant_id(self) -> int | None: ...


def discount_entitles(discount: DevDiscountCode, line: DiscountLine) -> bool:
    """Whether ``discount`` applies to this line (``customerGets.items``)."""
    if discount.kind == DevDiscountCode.Kind.FREE_SHIPPING or discount.items_all:
        return True
    return (line.variant_id is not None and line.variant_id in discount.item_variant_ids) or (
        line.product_id is not None and line.product_id in discount.item_product_ids
    )


def _spread(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``total`` split in proportion to ``weights`` in cents; the last weighted line takes the
    rounding rest, so the parts always add up to ``total``."""
    whole = sum(weights, Decimal("0"))
    if not whole:
        return [Decimal("0")] * len(weights)
    last = max(i for i, w in enumerate(weights) if w)
    parts = [
        (total * w / whole).quantize(CENT, rounding=ROUND_HALF_EVEN) if i != last else Decimal("0")
        for i, w in enumerate(weights)
    ]
    parts[last] = total - sum(parts, Decimal("0"))
    return parts


def discount_allocate(
    discount: DevDiscountCode, *, lines: Sequence[DiscountLine], shipping: Decimal
) -> tuple[list[Decimal], Decimal]:
    """(what ``discount`` takes off each line, what it takes off shipping).

    Only entitled lines are discounted. ``quantity_limit`` discounts that many units, the
    cheapest first (as Shopify picks the items a quantity discount applies to). A fixed amount
    not applied on each item is spread across the entitled lines by their value.
    """
    if discount.value_type == DevDiscountCode.ValueType.FREE_SHIPPING:
        if (
            discount.maximum_shipping_price is not None
            and shipping > discount.maximum_shipping_price
        ):
            return [Decimal("0")] * len(lines), Decimal("0")
        return [Decimal("0")] * len(lines), shipping
    # The base each line offers: its entitled value, or under a quantity limit the value of
    # the units the limit picks.
    bases = [
        line.price * line.quantity if discount_entitles(discount, line) else Decimal("0")
        for line in lines
    ]
    units = [line.quantity if discount_entitles(discount, line) else 0 for line in lines]
    if discount.quantity_limit is not None:
        left = discount.quantity_limit
        bases, units = [Decimal("0")] * len(lines), [0] * len(lines)
        for index in sorted(range(len(lines)), key=lambda i: lines[i].price):
            if left and discount_entitles(discount, lines[index]):
                take = min(left, lines[index].quantity)
                units[index], bases[index] = take, lines[index].price * take
                left -= take
    entitled = sum(bases, Decimal("0"))
    if discount.value_type == DevDiscountCode.ValueType.PERCENTAGE:
        total = (entitled * discount.value).quantize(CENT, rounding=ROUND_HALF_EVEN)
        return _spread(total, bases), Decimal("0")
    if discount.applies_on_each_item:
        return [
            min(discount.value * count, base).quantize(CENT)
            for count, base in zip(units, bases, strict=True)
        ], Decimal("0")
    return _spread(min(discount.value.quantize(CENT), entitled), bases), Decimal("0")


def discount_redeem(*, discount: DevDiscountCode, order: DevOrder) -> None:
    """Record that ``order`` used ``discount`` (asyncUsageCount counts these)."""
    DevDiscountRedemption.objects.create(
        discount=discount, order=order, customer_id=order.customer_id, created_at=clock.now()
    )
    DevDiscountCode.objects.filter(pk=discount.pk).update(usage_count=F("usage_count") + 1)
