"""Code discounts: create (basic, free shipping), deactivate, delete. Checkout: discount_rules.

Input is the GraphQL input object as a dict (``DiscountCodeBasicInput`` /
``DiscountCodeFreeShippingInput``). Problems come back as Shopify's ``userErrors``
(``field`` path, ``message``, ``code``), never as exceptions, so the mutation answers 200
with them, as Shopify does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime

from devshop import clock
from devshop.exceptions import DevshopError
from devshop.models import (
    DevCustomer,
    DevDiscountCode,
    DevProduct,
    DevSequence,
    DevShop,
    DevVariant,
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


def _entitled_items(
    shop: DevShop, products: dict[str, Any]
) -> tuple[list[int], list[int], list[tuple[str, str]]]:
    """(product ids, variant ids, problems) of a ``DiscountProductsInput``; ids must be the
    shop's. ``*ToRemove`` only matter on update, which devshop does not implement."""
    problems: list[tuple[str, str]] = []
    found: dict[str, list[int]] = {}
    for field_name, kind, model in (
        ("productsToAdd", "Product", DevProduct),
        ("productVariantsToAdd", "ProductVariant", DevVariant),
    ):
        ids, unknown = [], []
        for value in products.get(field_name) or []:
            raw = str(value).removeprefix(f"gid://shopify/{kind}/")
            if not raw.isdigit():
                unknown.append(value)
                continue
            shop_rows = (
                model.objects.filter(shop=shop)
                if model is DevProduct
                else model.objects.filter(product__shop=shop)
            )
            if shop_rows.filter(id=int(raw)).exists():
                ids.append(int(raw))
            else:
                unknown.append(value)
        if unknown:
            noun = "Product" if kind == "Product" else "Product variant"
            problems.append((field_name, f"{noun} ids {', '.join(unknown)} are invalid"))
        found[field_name] = ids
    return found["productsToAdd"], found["productVariantsToAdd"], problems


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
    items_all, quantity_limit = True, None
    product_ids: list[int] = []
    variant_ids: list[int] = []
    if kind == DevDiscountCode.Kind.BASIC:
        gets = data.get("customerGets") or {}
        items = gets.get("items") or {}
        if items.get("collections"):
            raise NotEmulated("devshop does not implement collection discount items")
        if items.get("products"):
            items_all = False
            product_ids, variant_ids, problems = _entitled_items(shop, items["products"])
            for field_name, message in problems:
                fail(f"customerGets.items.products.{field_name}", message, "INVALID")
            if not (product_ids or variant_ids or problems):
                fail("customerGets.items.products", "Products can't be blank", "BLANK")
        elif not items.get("all"):
            fail("customerGets.items", "Items can't be blank", "BLANK")
        value_input = gets.get("value") or {}
        on_quantity = value_input.get("discountOnQuantity")
        if on_quantity:
            # N units of the entitled items at a percentage off (a free product: 1 at 100 %).
            quantity_limit = int(on_quantity.get("quantity") or 0)
            if quantity_limit < 1:
                fail(
                    "customerGets.value.discountOnQuantity.quantity",
                    "Quantity must be greater than 0",
                    "GREATER_THAN",
                )
            effect = on_quantity.get("effect") or {}
            if effect.get("amount") is not None:
                raise NotEmulated("devshop does not implement discountOnQuantity.effect.amount")
            value_input = {"percentage": effect.get("percentage")}
            if value_input["percentage"] is None:
                fail(
                    "customerGets.value.discountOnQuantity.effect",
                    "Effect can't be blank",
                    "BLANK",
                )
                value_input = {}
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
        elif not on_quantity:
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
                items_all=items_all,
                item_product_ids=product_ids,
                item_variant_ids=variant_ids,
                quantity_limit=quantity_limit,
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
