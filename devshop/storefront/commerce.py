"""The storefront a shopper buys from: product pages, the cart, ``/discount/CODE``, checkout.

URLs, under the shop's storefront root ``/store/<shop>/`` (Shopify's ``/``):

==========================================  ====================================================
``GET  products/<handle>``                  product page: variant, quantity, "Add to cart"
``POST cart/add``                           ``id`` (variant id), ``quantity`` → the cart page
``GET  cart``                               the cart; per line "Update" (``POST cart/change``:
                                            ``line`` 1-based, ``quantity``, 0 removes)
``GET  cart.js``                            the cart as Shopify's Ajax API answers it (cents)
``GET  discount/<CODE>?redirect=/cart``     stores the code on the cart (as Shopify does, it is
                                            checked at checkout) and redirects to ``redirect``,
                                            a storefront path (``/cart`` is the shop's cart)
``GET  checkout``                           summary with the code applied, or Shopify's message
``POST checkout``                           ``action=apply`` (store ``discount_code``) or
                                            ``action=pay``: a paid order, ``orders/create`` and
                                            ``orders/paid``; a refused code → 422, nothing written
``GET  checkout/thank-you/<token>``         the order's confirmation (signed token)
==========================================  ====================================================

Each is served under a secondary locale's prefix too (``/store/<shop>/fr/cart``), as Shopify
serves ``/fr/cart``; the pages themselves are in English (the theme has no translations).
Checkout pages use their own layout, without the theme's app embeds, as Shopify's checkout has
no theme. Every page renders with autoescaping (``theme.theme_env``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core import signing
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from devshop.exceptions import DevshopError
from devshop.models import DevCart, DevOrder, DevShop
from devshop.services import carts, discount_rules
from devshop.storefront import session, theme
from devshop.storefront.views import demo_customers, money, shop_or_404, storefront_context

_THANK_YOU_SALT = "devshop.storefront.thank-you"


def _page(
    request: HttpRequest,
    shop: DevShop,
    template: str,
    title: str,
    extra: dict[str, Any],
    *,
    status: int = 200,
    layout: str = "theme",
) -> HttpResponse:
    customer = session.signed_in_customer(request, shop)
    context = storefront_context(request, shop, customer)
    if layout == "theme":  # the header's sign-in list; checkout pages have no header
        context.update(demo_customers(request, shop))
    context.update(extra)
    content = theme.render_template(template, context)
    return HttpResponse(
        theme.render_page(
            context=context, content_for_layout=content, page_title=title, layout=layout
        ),
        status=status,
    )


def _cart(request: HttpRequest, shop: DevShop) -> DevCart | None:
    return carts.cart_get(shop=shop, token=session.cart_token(request))


def _cart_or_new(request: HttpRequest, shop: DevShop) -> DevCart:
    return _cart(request, shop) or carts.cart_create(shop=shop)


def _redirect_keeping_cart(url: str, shop: DevShop, cart: DevCart) -> HttpResponse:
    response = HttpResponseRedirect(url)
    session.cart_keep(response, shop, cart.token)
    return response


def _int(value: str | None, default: int | None = None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else default


def _item_drop(line: carts.CartLine, shop: DevShop, root: str) -> dict[str, Any]:
    product = line.variant.product
    return {
        "title": product.title,
        "variant_title": "" if line.variant.title == "Default Title" else line.variant.title,
        "url": f"{root}products/{product.handle}",
        "quantity": line.quantity,
        "price": money(line.price, shop.currency),
        "line_price": money(line.line_price, shop.currency),
    }


@require_GET
def product_page(
    request: HttpRequest, shop_domain: str, handle: str, locale: str | None = None
) -> HttpResponse:
    shop = shop_or_404(shop_domain)
    product = shop.products.filter(handle=handle).prefetch_related("variants").first()
    if product is None:
        raise Http404("no such product")
    variants = sorted(product.variants.all(), key=lambda v: v.id)
    drop = {
        "title": product.title,
        "description": product.description,
        "variants": [
            {"id": v.id, "title": v.title, "price": money(v.price, shop.currency)} for v in variants
        ],
    }
    return _page(request, shop, "product", product.title, {"product": drop})


def _cart_page(request: HttpRequest, shop: DevShop, *, error: str = "", status: int = 200):
    cart = _cart(request, shop)
    lines = carts.cart_lines(cart=cart)
    root = session.storefront_path(shop.domain)
    drop = {
        "items": [_item_drop(line, shop, root) for line in lines],
        "item_count": sum(line.quantity for line in lines),
        "subtotal": money(sum((li.line_price for li in lines), Decimal("0")), shop.currency),
        "discount_code": cart.discount_code if cart else "",
    }
    return _page(request, shop, "cart", "Your cart", {"cart": drop, "error": error}, status=status)


@require_GET
def cart_page(request: HttpRequest, shop_domain: str, locale: str | None = None) -> HttpResponse:
    return _cart_page(request, shop_or_404(shop_domain))


@require_GET
def cart_js(request: HttpRequest, shop_domain: str, locale: str | None = None) -> JsonResponse:
    """``/cart.js``: Shopify's Ajax API cart (money in cents), for scripts and tests."""
    shop = shop_or_404(shop_domain)
    cart = _cart(request, shop)
    lines = carts.cart_lines(cart=cart)

    def cents(amount: Decimal) -> int:
        return int(amount * 100)

    return JsonResponse(
        {
            "token": cart.token if cart else None,
            "item_count": sum(line.quantity for line in lines),
            "items": [
                {
                    "id": line.variant_id,
                    "variant_id": line.variant_id,
                    "product_id": line.product_id,
                    "title": line.variant.product.title,
                    "quantity": line.quantity,
                    "price": cents(line.price),
                    "line_price": cents(line.line_price),
                }
                for line in lines
            ],
            "total_price": cents(sum((li.line_price for li in lines), Decimal("0"))),
            "currency": shop.currency,
            "discount_codes": [{"code": cart.discount_code, "applicable": True}]
            if cart and cart.discount_code
            else [],
        }
    )


@require_POST
def cart_add(request: HttpRequest, shop_domain: str, locale: str | None = None) -> HttpResponse:
    shop = shop_or_404(shop_domain)
    variant_id, quantity = _int(request.POST.get("id")), _int(request.POST.get("quantity"), 1)
    if variant_id is None or quantity is None:
        return _cart_page(request, shop, error="Choose a product and a quantity.", status=422)
    cart = _cart_or_new(request, shop)
    try:
        carts.cart_add(cart=cart, variant_id=variant_id, quantity=quantity)
    except DevshopError as exc:
        return _cart_page(request, shop, error=exc.message, status=422)
    return _redirect_keeping_cart(f"{session.storefront_path(shop.domain)}cart", shop, cart)


@require_POST
def cart_change(request: HttpRequest, shop_domain: str, locale: str | None = None) -> HttpResponse:
    shop = shop_or_404(shop_domain)
    cart = _cart(request, shop)
    line, quantity = _int(request.POST.get("line")), _int(request.POST.get("quantity"))
    if cart is None or line is None or quantity is None:
        return _cart_page(request, shop, error="Enter a quantity of 0 or more.", status=422)
    try:
        carts.cart_change(cart=cart, line=line, quantity=quantity)
    except DevshopError as exc:
        return _cart_page(request, shop, error=exc.message, status=422)
    return HttpResponseRedirect(f"{session.storefront_path(shop.domain)}cart")


def storefront_redirect(shop: DevShop, target: str | None) -> str:
    """Where ``/discount/CODE?redirect=…`` goes: a path of this storefront, never elsewhere.

    Shopify's paths are relative to the shop's domain (``/cart``); devshop's storefront lives
    under ``/store/<shop>/``, so ``/cart`` becomes ``/store/<shop>/cart``. A full URL, a
    scheme-relative ``//host`` or a backslash trick falls back to the storefront root.
    """
    root = session.storefront_path(shop.domain)
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return root
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return root
    return target if target.startswith(root) else root + target.lstrip("/")


@require_GET
def discount(
    request: HttpRequest, shop_domain: str, code: str, locale: str | None = None
) -> HttpResponse:
    """``/discount/CODE``: store the code on the cart (made if need be) and redirect."""
    shop = shop_or_404(shop_domain)
    cart = _cart_or_new(request, shop)
    carts.cart_discount_set(cart=cart, code=code)
    return _redirect_keeping_cart(
        storefront_redirect(shop, request.GET.get("redirect")), shop, cart
    )


def _checkout_page(
    request: HttpRequest,
    shop: DevShop,
    *,
    code: str,
    email: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    cart = _cart(request, shop)
    customer = session.signed_in_customer(request, shop)
    preview = carts.checkout_preview(cart=cart, customer=customer, code=code)
    root = session.storefront_path(shop.domain)
    items = []
    for line, share in zip(preview.lines, preview.discounts, strict=True):
        item = _item_drop(line, shop, root)
        item["discount"] = money(share, shop.currency) if share else ""
        items.append(item)
    drop = {
        "items": items,
        "subtotal": money(preview.subtotal, shop.currency),
        "discount": money(preview.discount, shop.currency),
        "discount_code": preview.code,
        "automatic_title": preview.automatic_title,
        "automatic_discount": money(preview.automatic_discount, shop.currency),
        "total": money(preview.total, shop.currency),
    }
    extra = {
        "checkout": drop,
        "error": error or preview.refusal,
        "email": email,
        "discount_code_field": code,
    }
    return _page(
        request, shop, "checkout_page", "Checkout", extra, status=status, layout="checkout"
    )


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, shop_domain: str, locale: str | None = None) -> HttpResponse:
    shop = shop_or_404(shop_domain)
    root = session.storefront_path(shop.domain)
    cart = _cart(request, shop)
    if cart is None or not cart.lines.exists():
        return HttpResponseRedirect(f"{root}cart")
    if request.method == "GET":
        return _checkout_page(request, shop, code=cart.discount_code)
    # The field shows the cart's code; a form without the field keeps it, an emptied one drops it.
    code = request.POST.get("discount_code", cart.discount_code).strip()
    email = request.POST.get("email", "").strip()
    if request.POST.get("action") == "apply":
        carts.cart_discount_set(cart=cart, code=code)
        preview = carts.checkout_preview(
            cart=cart, customer=session.signed_in_customer(request, shop), code=code
        )
        if preview.refusal:
            return _checkout_page(request, shop, code=code, email=email, status=422)
        return HttpResponseRedirect(f"{root}checkout", status=303)
    try:
        order = carts.cart_checkout(
            cart=cart,
            customer=session.signed_in_customer(request, shop),
            email=email,
            discount_code=code,
        )
    except discount_rules.DiscountRefused as exc:
        return _checkout_page(
            request, shop, code=code, email=email, error=exc.shopper_message, status=422
        )
    except DevshopError as exc:
        return _checkout_page(request, shop, code=code, email=email, error=exc.message, status=422)
    token = signing.dumps(order.id, salt=_THANK_YOU_SALT + shop.domain)
    response = HttpResponseRedirect(f"{root}checkout/thank-you/{token}", status=303)
    session.cart_forget(response, shop)
    return response


@require_GET
def thank_you(
    request: HttpRequest, shop_domain: str, token: str, locale: str | None = None
) -> HttpResponse:
    shop = shop_or_404(shop_domain)
    try:
        order_id = signing.loads(token, salt=_THANK_YOU_SALT + shop.domain)
    except signing.BadSignature:
        raise Http404("no such order") from None
    order = DevOrder.objects.filter(shop=shop, id=order_id).first()
    if order is None:
        raise Http404("no such order")
    line_items_total = order.subtotal_price + sum(
        (li.total_discount for li in order.line_items.all()), Decimal("0")
    )
    drop = {
        "name": order.name,
        "line_items_total": money(line_items_total, shop.currency),
        "discount_codes": [
            {"code": d["code"], "amount": money(Decimal(d["amount"]), shop.currency)}
            for d in order.discount_codes
        ],
        "automatic_discounts": [
            {"title": d["title"], "amount": money(Decimal(d["amount"]), shop.currency)}
            for d in order.automatic_discounts
        ],
        "total": money(order.total_price, shop.currency),
    }
    return _page(request, shop, "thank_you", "Thank you", {"order": drop}, layout="checkout")
