"""Products and their variants: what the storefront sells and what discounts can target.

devshop serves no product API (see the README); products exist so the storefront has
something to put in a cart, and so a discount's ``customerGets.items.products`` can name real
variants. Money is Decimal in the shop's currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify

from devshop import clock
from devshop.exceptions import DevshopError
from devshop.models import DevProduct, DevSequence, DevShop, DevVariant


@dataclass(frozen=True)
class VariantInput:
    title: str
    price: Decimal
    sku: str = ""


@transaction.atomic
def product_create(
    *,
    shop: DevShop,
    title: str,
    variants: Sequence[VariantInput],
    description: str = "",
    vendor: str = "",
    handle: str = "",
    gift_card: bool = False,
) -> DevProduct:
    """Create a product with its variants (at least one, as on Shopify: "Default Title").

    Writes DevProduct and DevVariants. Raises DevshopError for a blank title, no variants, a
    negative price or a handle the shop already uses (handles address product pages).
    """
    title = title.strip()
    handle = handle or slugify(title)
    if not title or not handle:
        raise DevshopError("a product needs a title")
    if not variants or any(v.price < 0 for v in variants):
        raise DevshopError("a product needs variants with a price of 0 or more")
    if DevProduct.objects.filter(shop=shop, handle=handle).exists():
        raise DevshopError(f"the handle {handle!r} is taken", code="taken")
    now = clock.now()
    product = DevProduct.objects.create(
        id=DevSequence.allocate("Product"),
        shop=shop,
        title=title,
        handle=handle,
        description=description,
        vendor=vendor,
        gift_card=gift_card,
        created_at=now,
        updated_at=now,
    )
    first = DevSequence.allocate("ProductVariant", len(variants))
    DevVariant.objects.bulk_create(
        DevVariant(id=first + i, product=product, title=v.title, sku=v.sku, price=v.price)
        for i, v in enumerate(variants)
    )
    return product
