"""Storefront carts and their checkout, as a shopper meets them on Shopify.

A cart is a row found by its token (the ``cart`` cookie). Lines are variants with
quantities; adding a variant again raises its quantity. ``/discount/CODE`` stores a code on
the cart without checking it (Shopify checks at checkout). ``cart_checkout`` places the order
through ``orders.order_create`` — the same rules and webhooks as every devshop order — and
empties the cart.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from devshop import clock
from devshop.exceptions import DevshopError
from devshop.models import DevCart, DevCartLine, DevCustomer, DevOrder, DevShop, DevVariant
from devshop.services import automatic_discounts, discount_rules, orders

# Shopify's storefront refuses more than this of one line, with a message; so does devshop.
MAX_QUANTITY = 999


@dataclass(frozen=True)
class CartLine:
    """A cart line as the discount rules and the templates read it."""

    variant: DevVariant
    quantity: int

    @property
    def price(self) -> Decimal:
        return self.variant.price

    @property
    def product_id(self) -> int:
        return self.variant.product_id

    @property
    def variant_id(self) -> int:
        return self.variant.id

    @property
    def line_price(self) -> Decimal:
        return self.variant.price * self.quantity


def cart_get(*, shop: DevShop, token: str | None) -> DevCart | None:
    if not token:
        return None
    return DevCart.objects.filter(shop=shop, token=token).first()


def cart_create(*, shop: DevShop) -> DevCart:
    now = clock.now()
    return DevCart.objects.create(
        token=secrets.token_hex(16), shop=shop, created_at=now, updated_at=now
    )


def cart_lines(*, cart: DevCart | None) -> list[CartLine]:
    """The cart's lines in the order they were added."""
    if cart is None:
        return []
    rows = cart.lines.select_related("variant__product").order_by("id")
    return [CartLine(variant=row.variant, quantity=row.quantity) for row in rows]


def _variant(shop: DevShop, variant_id: int) -> DevVariant:
    variant = (
        DevVariant.objects.select_related("product")
        .filter(id=variant_id, product__shop=shop)
        .first()
    )
    if variant is None:
        raise DevshopError("Cannot find variant", code="not_found")
    return variant


def _check_quantity(quantity: int, *, allow_zero: bool) -> None:
    if quantity < (0 if allow_zero else 1) or quantity > MAX_QUANTITY:
        raise DevshopError(
            f"Quantity must be between {0 if allow_zero else 1} and {MAX_QUANTITY}",
            code="invalid_quantity",
        )


@transaction.atomic
def cart_add(*, cart: DevCart, variant_id: int, quantity: int = 1) -> DevCartLine:
    """Add ``quantity`` of a variant (``/cart/add``); raises DevshopError for a variant of
    another shop or a quantity outside 1..999 (also once added to what is there)."""
    _check_quantity(quantity, allow_zero=False)
    variant = _variant(cart.shop, variant_id)
    line, created = DevCartLine.objects.select_for_update().get_or_create(
        cart=cart, variant=variant, defaults={"quantity": quantity}
    )
    if not created:
        _check_quantity(line.quantity + quantity, allow_zero=False)
        line.quantity += quantity
        line.save(update_fields=["quantity"])
    DevCart.objects.filter(pk=cart.pk).update(updated_at=clock.now())
    return line


@transaction.atomic
def cart_change(*, cart: DevCart, line: int, quantity: int) -> None:
    """Set line ``line`` (1-based, as Shopify's ``/cart/change``) to ``quantity``; 0 removes
    it. Raises DevshopError for a line the cart does not have."""
    _check_quantity(quantity, allow_zero=True)
    rows = list(cart.lines.select_for_update().order_by("id"))
    if not 1 <= line <= len(rows):
        raise DevshopError(f"The cart has no line {line}", code="not_found")
    row = rows[line - 1]
    if quantity == 0:
        row.delete()
    else:
        row.quantity = quantity
        row.save(update_fields=["quantity"])
    DevCart.objects.filter(pk=cart.pk).update(updated_at=clock.now())


def cart_discount_set(*, cart: DevCart, code: str) -> DevCart:
    """Store a code on the cart (``/discount/CODE``); it is checked at checkout."""
    cart.discount_code = code.strip()[:255]
    cart.updated_at = clock.now()
    cart.save(update_fields=["discount_code", "updated_at"])
    return cart


@dataclass(frozen=True)
class CheckoutPreview:
    """What the checkout page shows before paying: the discounts applied, or why a code is
    not."""

    lines: list[CartLine]
    discounts: list[Decimal]  # per line, automatic and code together
    subtotal: Decimal
    discount: Decimal  # the code's part
    total: Decimal
    code: str  # the code applied, as the shopper typed it ("" for none)
    refusal: str  # Shopify's message when the code cannot be used ("" otherwise)
    automatic_title: str = ""  # the automatic discount applied ("" for none)
    automatic_discount: Decimal = Decimal("0")


def checkout_preview(
    *, cart: DevCart | None, customer: DevCustomer | None, code: str
) -> CheckoutPreview:
    """The checkout's totals with this customer's automatic discount and ``code`` applied if
    the rules allow; writes nothing.

    No shipping or tax is charged (devshop computes neither), so a free-shipping code takes
    nothing off here.
    """
    lines = cart_lines(cart=cart)
    subtotal = sum((line.line_price for line in lines), Decimal("0"))
    applied = automatic_discounts.CheckoutDiscounts()
    used, refusal = "", ""
    if cart is not None and lines:
        try:
            with transaction.atomic():  # discount_for_checkout locks the code's row
                applied = automatic_discounts.checkout_discounts(
                    shop=cart.shop, customer=customer, lines=lines, code=code.strip() or None
                )
            used = code.strip() if applied.code is not None else ""
        except discount_rules.DiscountRefused as exc:
            refusal = exc.shopper_message
            applied = automatic_discounts.checkout_discounts(
                shop=cart.shop, customer=customer, lines=lines, code=None
            )
    shares = applied.line_totals(len(lines))
    discount_total = sum(shares, Decimal("0"))
    automatic_total = sum(applied.automatic_shares, Decimal("0"))
    return CheckoutPreview(
        lines=lines,
        discounts=shares,
        subtotal=subtotal,
        discount=discount_total - automatic_total,
        total=subtotal - discount_total,
        code=used,
        refusal=refusal,
        automatic_title=applied.automatic.title if applied.automatic else "",
        automatic_discount=automatic_total,
    )


def cart_checkout(
    *, cart: DevCart, customer: DevCustomer | None, email: str = "", discount_code: str = ""
) -> DevOrder:
    """Pay for the cart: a paid order (``orders/create`` and ``orders/paid`` after commit)
    with the code applied, then the cart is emptied.

    Raises DevshopError for an empty cart or a guest without an email, and
    ``discount_rules.DiscountRefused`` (Shopify's message in ``shopper_message``) for a code
    the cart may not use; nothing is written then.
    """
    lines = cart_lines(cart=cart)
    if not lines:
        raise DevshopError("Your cart is empty", code="empty_cart")
    if customer is None and "@" not in email:
        raise DevshopError("Enter a valid email", code="invalid_email")
    with transaction.atomic():
        order = orders.order_create(
            shop=cart.shop,
            customer=customer,
            email=email or None,
            lines=[
                orders.LineInput(
                    title=line.variant.product.title,
                    price=line.price,
                    quantity=line.quantity,
                    sku=line.variant.sku,
                    product_id=line.product_id,
                    variant_id=line.variant_id,
                    gift_card=line.variant.product.gift_card,
                )
                for line in lines
            ],
            discount_code=discount_code.strip() or None,
            paid=True,
        )
        cart.delete()
    return order
