"""Code discounts: create (basic, free shipping), deactivate, delete, and redeeming at checkout.

Input is the GraphQL input object as a dict (``DiscountCodeBasicInput`` /
``DiscountCodeFreeShippingInput``). Problems come back as Shopify's ``userErrors``
(``field`` path, ``message``, ``code``), never as exceptions, so the mutation answers 200
with them, as Shopify does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.dateparse import parse_datetime

from devshop import clock
from devshop.exceptions import DevshopError
from devshop.models import (
    DevCustomer,
    DevDiscountCode,
    DevDiscountRedemption,
    DevOrder,
    DevSequence,
    DevShop,
)

CENT = Decimal("0.01")


@dataclass
class DiscountUserError:
    field: list[str]
    message: str
    code: str


class NotEmulated(DevshopError):
    """A valid input devshop does not model (segments, product-specific items…)."""


def _moment(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return parse_datetime(str(value))


def _customer_ids(shop: DevShop, gids: list[str]) -> tuple[list[int], list[str]]:
    ids, unknown = [], []
    for value in gids:
        try:
            kind, raw = value.removeprefix("gid://shopify/").split("/", 1)
            customer_id = int(raw)
        except ValueError:
            unknown.append(value)
            continue
        if kind != "Customer" or not DevCustomer.objects.filter(shop=shop, id=customer_id).exists():
            unknown.append(value)
        else:
            ids.append(customer_id)
    return ids, unknown


def discount_code_create(
    *, shop: DevShop, kind: str, data: dict[str, Any]
) -> tuple[DevDiscountCode | None, list[DiscountUserError]]:
    """Create a code discount from the mutation input; returns (row, []) or (None, errors).

    Raises NotEmulated for valid inputs devshop does not model. The case-insensitive unique
    constraint on (shop, code) makes a concurrent duplicate fail with TAKEN too.
    """
    root = "basicCodeDiscount" if kind == DevDiscountCode.Kind.BASIC else "freeShippingCodeDiscount"
    errors: list[DiscountUserError] = []

    def fail(field: str, message: str, code: str) -> None:
        errors.append(DiscountUserError([root, *field.split(".")], message, code))

    code = (data.get("code") or "").strip()
    title = (data.get("title") or "").strip()
    if not code:
        fail("code", "Code can't be blank", "BLANK")
    elif len(code) > 255:
        fail("code", "Code is too long (maximum is 255 characters)", "TOO_LONG")
    elif DevDiscountCode.objects.filter(shop=shop, code__iexact=code, deleted_at=None).exists():
        fail("code", "Code must be unique. Please try a different code.", "TAKEN")
    if not title:
        fail("title", "Title can't be blank", "BLANK")
    starts_at = _moment(data.get("startsAt"))
    ends_at = _moment(data.get("endsAt"))
    if starts_at is None:
        fail("startsAt", "Starts at can't be blank", "BLANK")
    elif ends_at is not None and ends_at <= starts_at:
        fail("endsAt", "Ends at needs to be after starts_at", "END_DATE_BEFORE_START_DATE")
    usage_limit = data.get("usageLimit")
    if usage_limit is not None and usage_limit < 1:
        fail("usageLimit", "Usage limit must be greater than 0", "GREATER_THAN")

    # Who may use it: `context` (current) or the deprecated `customerSelection`.
    context, selection = data.get("context"), data.get("customerSelection")
    if context and selection:
        fail("context", "Only one of context or customerSelection can be provided.", "INVALID")
    context_all, customer_gids = True, []
    if context:
        if context.get("customerSegments") or context.get("markets"):
            raise NotEmulated(
                "devshop does not implement discount context customerSegments/markets"
            )
        if context.get("customers"):
            context_all = False
            customer_gids = list(context["customers"].get("add") or [])
        elif context.get("all") != "ALL":
            fail("context", "Context must select customers or all", "BLANK")
    elif selection:
        if selection.get("customerSegments"):
            raise NotEmulated("devshop does not implement customerSelection.customerSegments")
        if selection.get("customers"):
            context_all = False
            customer_gids = list(selection["customers"].get("add") or [])
    customer_ids, unknown = _customer_ids(shop, customer_gids)
    if unknown:
        fail("context.customers.add", f"Customer ids {', '.join(unknown)} are invalid", "INVALID")
    if not context_all and not customer_gids and not unknown:
        fail("context.customers.add", "Customers can't be blank", "BLANK")

    minimum = data.get("minimumRequirement") or {}
    minimum_subtotal = minimum_quantity = None
    if minimum.get("subtotal") and minimum.get("quantity"):
        fail(
            "minimumRequirement",
            "Minimum subtotal and quantity range cannot both be present",
            "MINIMUM_SUBTOTAL_AND_QUANTITY_RANGE_BOTH_PRESENT",
        )
    elif minimum.get("subtotal"):
        minimum_subtotal = _decimal(minimum["subtotal"].get("greaterThanOrEqualToSubtotal"))
    elif minimum.get("quantity"):
        minimum_quantity = int(minimum["quantity"].get("greaterThanOrEqualToQuantity") or 0)

    value_type, value, each_item, max_shipping = (
        DevDiscountCode.ValueType.FREE_SHIPPING,
        Decimal("0"),
        False,
        None,
    )
    if kind == DevDiscountCode.Kind.BASIC:
        gets = data.get("customerGets") or {}
        items = gets.get("items") or {}
        if items.get("products") or items.get("collections"):
            raise NotEmulated("devshop does not implement product or collection discount items")
        if not items.get("all"):
            fail("customerGets.items", "Items can't be blank", "BLANK")
        value_input = gets.get("value") or {}
        if value_input.get("discountOnQuantity"):
            raise NotEmulated("devshop does not implement discountOnQuantity")
        if value_input.get("percentage") is not None:
            value_type = DevDiscountCode.ValueType.PERCENTAGE
            value = Decimal(str(value_input["percentage"]))
            if not Decimal("0") < value <= Decimal("1"):
                fail(
                    "customerGets.value.percentage",
                    "Value must be between 0.0 and 1.0",
                    "VALUE_OUTSIDE_RANGE",
                )
        elif value_input.get("discountAmount"):
            value_type = DevDiscountCode.ValueType.FIXED_AMOUNT
            value = _decimal(value_input["discountAmount"].get("amount")) or Decimal("0")
            each_item = bool(value_input["discountAmount"].get("appliesOnEachItem"))
            if value <= 0:
                fail(
                    "customerGets.value.discountAmount.amount",
                    "Value must be greater than 0",
                    "GREATER_THAN",
                )
        else:
            fail("customerGets.value", "Value can't be blank", "BLANK")
    else:
        destination = data.get("destination") or {"all": True}
        if destination.get("countries"):
            raise NotEmulated("devshop does not implement free shipping destination countries")
        max_shipping = _decimal(data.get("maximumShippingPrice"))

    if errors:
        return None, errors
    now = clock.now()
    try:
        with transaction.atomic():
            row = DevDiscountCode.objects.create(
                id=DevSequence.allocate("DiscountCodeNode"),
                redeem_code_id=DevSequence.allocate("DiscountRedeemCode"),
                shop=shop,
                kind=kind,
                title=title,
                code=code,
                value_type=value_type,
                value=value,
                applies_on_each_item=each_item,
                context_all=context_all,
                context_customer_ids=customer_ids,
                customer_selection=selection,
                usage_limit=usage_limit,
                applies_once_per_customer=bool(data.get("appliesOncePerCustomer")),
                starts_at=starts_at,
                ends_at=ends_at,
                minimum_subtotal=minimum_subtotal,
                minimum_quantity=minimum_quantity,
                combines_with=data.get("combinesWith") or {},
                maximum_shipping_price=max_shipping,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:
        return None, [
            DiscountUserError(
                [root, "code"], "Code must be unique. Please try a different code.", "TAKEN"
            )
        ]
    return row, []


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def discount_code_get(*, shop: DevShop, node_gid: str) -> DevDiscountCode | None:
    prefix = "gid://shopify/DiscountCodeNode/"
    if not node_gid.startswith(prefix) or not node_gid[len(prefix) :].isdigit():
        return None
    return DevDiscountCode.objects.filter(
        shop=shop, id=int(node_gid[len(prefix) :]), deleted_at=None
    ).first()


def discount_code_by_code(*, shop: DevShop, code: str) -> DevDiscountCode | None:
    """The live code discount with this code (Shopify matches codes case-insensitively)."""
    return DevDiscountCode.objects.filter(shop=shop, code__iexact=code, deleted_at=None).first()


def discount_code_delete(*, discount: DevDiscountCode) -> None:
    """Delete a code discount; the row stays (``deleted_at``) for the control page's history."""
    discount.deleted_at = discount.updated_at = clock.now()
    discount.save(update_fields=["deleted_at", "updated_at"])


def discount_code_deactivate(*, discount: DevDiscountCode) -> DevDiscountCode:
    """End an active or scheduled code now (Shopify sets ``endsAt``); an expired one stays."""
    now = clock.now()
    if discount.ends_at is None or discount.ends_at > now:
        discount.ends_at = now
        discount.deactivated_at = now
        if discount.starts_at > now:
            discount.starts_at = now
        discount.updated_at = now
        discount.save()
    return discount


def discount_for_checkout(
    *, shop: DevShop, code: str, customer_id: int | None, subtotal: Decimal, quantity: int
) -> DevDiscountCode:
    """The code a checkout may apply now, locked; DevshopError says why it can't."""
    discount = (
        DevDiscountCode.objects.select_for_update()
        .filter(shop=shop, code__iexact=code, deleted_at=None)
        .first()
    )
    now = clock.now()
    if discount is None:
        raise DevshopError(f"Discount code {code!r} does not exist", code="invalid_discount")
    if discount.starts_at > now or (discount.ends_at is not None and discount.ends_at <= now):
        raise DevshopError(f"Discount code {code!r} is not active", code="invalid_discount")
    if not discount.context_all and customer_id not in discount.context_customer_ids:
        raise DevshopError(
            f"Discount code {code!r} is not for this customer", code="invalid_discount"
        )
    if discount.usage_limit is not None and discount.usage_count >= discount.usage_limit:
        raise DevshopError(
            f"Discount code {code!r} has reached its usage limit", code="invalid_discount"
        )
    if (
        discount.applies_once_per_customer
        and customer_id is not None
        and discount.uses.filter(customer_id=customer_id).exists()
    ):
        raise DevshopError(
            f"Discount code {code!r} was already used by this customer", code="invalid_discount"
        )
    if discount.minimum_subtotal is not None and subtotal < discount.minimum_subtotal:
        raise DevshopError(
            f"Discount code {code!r} needs a subtotal of {discount.minimum_subtotal}",
            code="invalid_discount",
        )
    if discount.minimum_quantity is not None and quantity < discount.minimum_quantity:
        raise DevshopError(
            f"Discount code {code!r} needs {discount.minimum_quantity} items",
            code="invalid_discount",
        )
    return discount


def discount_amount(
    discount: DevDiscountCode, *, subtotal: Decimal, quantity: int, shipping: Decimal
) -> Decimal:
    """What ``discount`` takes off an order with this subtotal, item count and shipping."""
    if discount.value_type == DevDiscountCode.ValueType.PERCENTAGE:
        return (subtotal * discount.value).quantize(CENT, rounding=ROUND_HALF_EVEN)
    if discount.value_type == DevDiscountCode.ValueType.FIXED_AMOUNT:
        amount = discount.value * quantity if discount.applies_on_each_item else discount.value
        return min(amount.quantize(CENT), subtotal)
    if discount.maximum_shipping_price is not None and shipping > discount.maximum_shipping_price:
        return Decimal("0")
    return shipping


def discount_redeem(*, discount: DevDiscountCode, order: DevOrder) -> None:
    """Record that ``order`` used ``discount`` (asyncUsageCount counts these)."""
    DevDiscountRedemption.objects.create(
        discount=discount, order=order, customer_id=order.customer_id, created_at=clock.now()
    )
    DevDiscountCode.objects.filter(pk=discount.pk).update(usage_count=F("usage_count") + 1)
