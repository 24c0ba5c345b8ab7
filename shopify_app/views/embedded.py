"""The App URL (``/``): the document Shopify's admin loads in its iframe, and the bounce page.

How a load is authenticated (shopify-platform.md §2-4), as Shopify's own libraries do it:

- Inside the admin (``embedded=1``) the decisive proof is the ``id_token`` query parameter, an
  App Bridge session token signed with our secret and naming the shop in ``dest``. The query's
  ``hmac`` is not used: the bounce page reloads this URL with a *fresh* ``id_token``, which the
  original ``hmac`` does not cover. A missing or invalid ``id_token`` gets the bounce page, a
  minimal document that only loads App Bridge, which then reloads us with a new token.
- A valid token for a shop without a usable credential runs token exchange (managed
  installation): the shop is installed or reinstalled right here; there is no OAuth callback.
- Outside the admin (no ``embedded=1``), a launch link signed by Shopify (``hmac``) is verified
  and the merchant is sent into the admin, which embeds us: ``https://{host}/apps/{client_id}``.

Every HTML answer gets its ``frame-ancestors`` CSP from ``shopify_app.middleware``, built from
``request.shopify_shop_domain``, which is set here only after validation.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from shopify_app import oauth, session_tokens, signatures
from shopify_app.exceptions import InvalidSessionToken, ShopifyError
from shopify_app.http import admin_app_url
from shopify_app.models import Shop
from shopify_app.services.billing import billing_plan_sync
from shopify_app.services.credentials import shop_credential_usable
from shopify_app.services.shops import shop_token_exchange_install
from shopify_app.session_tokens import SessionToken

logger = logging.getLogger(__name__)

# Query parameters that must not survive into the bounce page's reload URL: the stale token and
# the signature that only covered the original parameters.
_STALE_PARAMS = ("id_token", "hmac", "timestamp")


def app_bridge_context() -> dict[str, str]:
    return {
        "api_key": settings.SHOPIFY_API_KEY,
        "app_bridge_script_url": settings.APP_BRIDGE_SCRIPT_URL,
    }


def error_page(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(request, "shopify_app/error.html", {"message": message}, status=status)


@require_GET
def app_home(request: HttpRequest) -> HttpResponse:
    params = request.GET
    if params.get("embedded") == "1":
        return _embedded_load(request)
    if not params:
        return render(
            request, "shopify_app/landing.html", {"install_url": reverse("shopify_install")}
        )
    if "charge_id" in params and "hmac" not in params:
        return _billing_return(request)
    return _redirect_into_admin(request)


def _billing_return(request: HttpRequest) -> HttpResponse:
    """Back from Shopify's charge confirmation page to a ``returnUrl`` on our own origin.

    Shopify appends only ``charge_id``: nothing is signed, so nothing here is trusted. The
    merchant is sent into the admin, which embeds us with a session token; that load asks
    Shopify for the outcome (``_billing_settle``). Charges created before ``returnUrl`` became
    the admin URL still come back here.
    """
    shop_domain = signatures.shop_domain_sanitize(request.GET.get("shop"))
    if shop_domain is None:
        return error_page(request, "The shop parameter is not a valid shop domain.", status=400)
    query = urlencode({"charge_id": request.GET["charge_id"]})
    return HttpResponseRedirect(f"{admin_app_url(host=None, shop=shop_domain)}?{query}")


def _redirect_into_admin(request: HttpRequest) -> HttpResponse:
    """A launch from outside the admin: verify Shopify's signature, then go to the admin."""
    result = signatures.oauth_query_verify(dict(request.GET.lists()))
    if not result.valid:
        logger.info("app launch refused", extra={"reason": str(result.reason)})
        return error_page(
            request,
            "This link is invalid or has expired. Open the app from your Shopify admin.",
            status=400,
        )
    assert result.shop is not None
    host = signatures.host_decode(request.GET.get("host"))
    return HttpResponseRedirect(admin_app_url(host=host, shop=result.shop))


def _embedded_load(request: HttpRequest) -> HttpResponse:
    params = request.GET
    shop_param = params.get("shop")
    shop_domain = signatures.shop_domain_sanitize(shop_param)
    if shop_param and shop_domain is None:
        return error_page(request, "The shop parameter is not a valid shop domain.", status=400)
    try:
        session = session_tokens.decode(params.get("id_token", ""))
    except InvalidSessionToken as exc:
        logger.info("embedded load without a valid session token", extra={"reason": exc.message})
        return _bounce(request, shop_domain)
    if shop_domain is not None and shop_domain != session.shop:
        return error_page(request, "The session token belongs to another shop.", status=400)

    # From here the shop is the token's (signed) shop: framing is allowed for it.
    request.shopify_shop_domain = session.shop
    try:
        _ensure_installed(session)
    except InvalidSessionToken:
        return _bounce(request, session.shop)
    except ShopifyError as exc:
        logger.warning(
            "token exchange failed", extra={"shop": session.shop, "error": type(exc).__name__}
        )
        return error_page(
            request, "Shopify could not be reached to set up the app. Please reload.", status=503
        )
    if "charge_id" in params:
        _billing_settle(session.shop)
    return render(request, "shopify_app/admin.html", app_bridge_context())


def _billing_settle(shop_domain: str) -> None:
    """The merchant is back from the charge confirmation page: read the plan from Shopify now,
    so the app they land in shows it. ``app_subscriptions/update`` settles it later otherwise."""
    try:
        billing_plan_sync(shop=Shop.objects.get(domain=shop_domain))
    except ShopifyError as exc:
        logger.warning(
            "plan sync after billing return failed",
            extra={"shop": shop_domain, "error": type(exc).__name__},
        )


def _ensure_installed(session: SessionToken) -> None:
    """Token exchange unless the shop is installed with a credential that covers our scopes."""
    shop = Shop.objects.filter(domain=session.shop).first()
    if shop is not None and shop.is_installed and shop_credential_usable(shop=shop):
        granted = shop.credential.scopes
        if not oauth.scopes_missing(granted, settings.SHOPIFY_SCOPES):
            return
    shop_token_exchange_install(session=session)


def _bounce(request: HttpRequest, shop_domain: str | None) -> HttpResponse:
    """Send the document to the bounce page, which reloads it with a fresh ``id_token``."""
    kept = [(k, v) for k, values in request.GET.lists() for v in values if k not in _STALE_PARAMS]
    reload_url = f"{request.path}?{urlencode(kept)}" if kept else request.path
    query = urlencode([*kept, ("shopify-reload", reload_url)])
    if shop_domain is not None:
        request.shopify_shop_domain = shop_domain
    return HttpResponseRedirect(f"{reverse('shopify_session_token_bounce')}?{query}")


@require_GET
def session_token_bounce(request: HttpRequest) -> HttpResponse:
    """``/auth/session-token``: only App Bridge, which reloads ``shopify-reload`` with a token.

    App Bridge navigates to ``shopify-reload`` itself; it must be a path on our own origin.
    """
    reload_url = request.GET.get("shopify-reload", "")
    if not reload_url.startswith("/") or reload_url.startswith("//") or "\\" in reload_url:
        return error_page(request, "Invalid reload target.", status=400)
    shop_domain = signatures.shop_domain_sanitize(request.GET.get("shop"))
    if shop_domain is not None:
        # Not authenticated (that is the point of this page), only well-formed: the page holds
        # nothing but the App Bridge loader, so letting that shop's admin frame it is harmless.
        request.shopify_shop_domain = shop_domain
    return render(request, "shopify_app/bounce.html", app_bridge_context())
