"""Which demo customer is signed in on a devshop storefront.

A signed cookie on devshop's own origin, scoped to the shop's storefront path, stands in for
Shopify's customer session: the app proxy turns it into ``logged_in_customer_id`` and the
theme into ``customer``. Signed, so a shopper cannot switch customers by editing it.
"""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse

COOKIE = "devshop_customer"
# Shopify's cart cookie holds the cart's token; devshop's does too.
CART_COOKIE = "cart"
_SALT = "devshop.storefront.customer"


def storefront_path(shop_domain: str) -> str:
    return f"/store/{shop_domain}/"


def signed_in_customer(request: HttpRequest, shop):
    """The shop's ``DevCustomer`` signed in on this browser, or None."""
    from devshop.models import DevCustomer

    try:
        value = request.get_signed_cookie(COOKIE, salt=_SALT + shop.domain)
    except (KeyError, signing.BadSignature):
        return None
    if not value.isdigit():
        return None
    return DevCustomer.objects.filter(shop=shop, id=int(value)).first()


def sign_in(response: HttpResponse, shop, customer_id: int) -> None:
    response.set_signed_cookie(
        COOKIE,
        str(customer_id),
        salt=_SALT + shop.domain,
        path=storefront_path(shop.domain),
        httponly=True,
        samesite="Lax",
    )


def sign_out(response: HttpResponse, shop) -> None:
    response.delete_cookie(COOKIE, path=storefront_path(shop.domain), samesite="Lax")


def cart_token(request: HttpRequest) -> str | None:
    return request.COOKIES.get(CART_COOKIE)


def cart_keep(response: HttpResponse, shop, token: str) -> None:
    # Not HttpOnly: Shopify's theme JavaScript reads the cart cookie too.
    response.set_cookie(
        CART_COOKIE,
        token,
        max_age=14 * 86400,
        path=storefront_path(shop.domain),
        samesite="Lax",
    )


def cart_forget(response: HttpResponse, shop) -> None:
    response.delete_cookie(CART_COOKIE, path=storefront_path(shop.domain), samesite="Lax")
