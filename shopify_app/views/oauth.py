"""OAuth authorization code grant, for standalone and legacy installs (shopify-platform.md §1).

Managed installation (token exchange in ``views.embedded``) is the primary path; this one
serves installs that start outside the admin.

1. ``/auth/install?shop=…`` validates the shop. Inside the admin iframe (``embedded=1``) it
   first breaks out to the top window: Shopify's pages refuse to be framed.
2. At the top level it sets a fresh ``state`` nonce in a signed cookie (60 s, ``SameSite=Lax``
   so it comes back on Shopify's top-level redirect, ``Secure`` over HTTPS) and redirects to
   the shop's authorize page.
3. ``/auth/callback`` accepts the redirect only if ``state`` equals the cookie (which is then
   deleted), the ``hmac`` verifies, the timestamp is within 90 s and the shop is valid; then it
   exchanges the code for an expiring offline token, re-checks the granted scopes (the merchant
   can edit them in the URL), installs, and sends the merchant into the embedded admin.
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from shopify_app import oauth, signatures
from shopify_app.exceptions import ShopifyError
from shopify_app.http import admin_app_url
from shopify_app.services.shops import shop_install
from shopify_app.views.embedded import error_page

logger = logging.getLogger(__name__)

STATE_COOKIE = "shopify_app_state"
STATE_COOKIE_SALT = "shopify_app.oauth.state"
STATE_MAX_AGE_SECONDS = 60


def _callback_url() -> str:
    return f"{settings.APP_URL}{reverse('shopify_callback')}"


@require_GET
def install(request: HttpRequest) -> HttpResponse:
    shop = signatures.shop_domain_sanitize(request.GET.get("shop"))
    if shop is None:
        return error_page(request, "Enter your shop's myshopify.com domain.", status=400)
    if request.GET.get("embedded") == "1":
        # Shopify's authorize page sends X-Frame-Options: DENY; leave the iframe first.
        top_level = f"{settings.APP_URL}{reverse('shopify_install')}?shop={shop}"
        request.shopify_shop_domain = shop
        return render(request, "shopify_app/break_out.html", {"url": top_level})
    state = oauth.state_nonce()
    response = HttpResponseRedirect(
        oauth.authorize_url(shop_domain=shop, state=state, redirect_uri=_callback_url())
    )
    response.set_signed_cookie(
        STATE_COOKIE,
        state,
        salt=STATE_COOKIE_SALT,
        max_age=STATE_MAX_AGE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    expected_state = request.get_signed_cookie(
        STATE_COOKIE, default=None, salt=STATE_COOKIE_SALT, max_age=STATE_MAX_AGE_SECONDS
    )
    given_state = request.GET.get("state", "")
    if not expected_state or not hmac.compare_digest(expected_state, given_state):
        response = error_page(
            request, "This install link has expired or was opened in another browser.", status=403
        )
    else:
        response = _complete_install(request)
    response.delete_cookie(STATE_COOKIE, samesite="Lax")
    return response


def _complete_install(request: HttpRequest) -> HttpResponse:
    result = signatures.oauth_query_verify(dict(request.GET.lists()))
    if not result.valid:
        logger.info("OAuth callback refused", extra={"reason": str(result.reason)})
        return error_page(request, "The install request could not be verified.", status=400)
    shop = result.shop
    assert shop is not None
    code = request.GET.get("code", "")
    if not code:
        return error_page(request, "The install request carries no authorization code.", status=400)
    try:
        token_response = oauth.code_exchange(shop_domain=shop, code=code)
    except oauth.OAuthError:
        return error_page(request, "Shopify refused the install. Please start again.", status=400)
    except ShopifyError:
        return error_page(request, "Shopify could not be reached. Please try again.", status=503)
    missing = oauth.scopes_missing(str(token_response.get("scope", "")), settings.SHOPIFY_SCOPES)
    if missing:
        logger.warning("OAuth grant lacks scopes", extra={"shop": shop, "missing": sorted(missing)})
        return error_page(
            request,
            "The app needs these permissions to work: " + ", ".join(sorted(missing)) + ".",
            status=403,
        )
    shop_install(shop_domain=shop, token_response=token_response)
    host = signatures.host_decode(request.GET.get("host"))
    return HttpResponseRedirect(admin_app_url(host=host, shop=shop))
