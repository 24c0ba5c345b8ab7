"""The app proxy: ``/{prefix}/{subpath}/*`` on a shop's storefront, forwarded to the app.

As Shopify does it (shopify-platform.md §7):

- ``https://{storefront}/{prefix}/{subpath}/x/y?q`` → ``{proxy url}/x/y?q`` plus ``shop``,
  ``logged_in_customer_id`` (empty when nobody is signed in), ``path_prefix``
  (``/{prefix}/{subpath}``), ``timestamp`` and ``signature`` (decoded ``key=value`` pairs,
  repeated values joined by ``,``, sorted, concatenated, HMAC-SHA256 hex).
- Method, body and content type are forwarded; the browser's cookies are not. The app's
  redirects are followed.
- Listed response headers are stripped; a ``Content-Type: application/liquid`` answer is
  rendered as Liquid in the theme (``{% layout none %}`` for a bare fragment), anything else
  passes through.

In devshop the storefront lives at ``/store/{shop}/`` and the proxy URL's host is replaced
by the app's local URL (``devshop.conf.app_url()``); its path comes from ``shopify.app.toml``.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

import requests
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from devshop import clock, conf, signing
from devshop import http as devshop_http
from devshop.storefront import session, theme
from devshop.storefront.views import shop_or_404, storefront_context
from devshop.webhooks.delivery import app_config

logger = logging.getLogger(__name__)

# Response headers Shopify's proxy drops (shopify.dev, "app proxies"), plus the ones that
# describe the upstream transfer rather than the content (the body is re-sent decoded).
STRIPPED_RESPONSE_HEADERS = frozenset(
    {
        "accept-patch",
        "accept-ranges",
        "connection",
        "cookie",
        "date",
        "delta-base",
        "im",
        "p3p",
        "pragma",
        "preference-applied",
        "proxy-authenticate",
        "public-key-pins",
        "server",
        "service-worker-allowed",
        "set-cookie",
        "trailer",
        "tk",
        "warning",
        "x-powered-by",
    }
)
_TRANSFER_HEADERS = frozenset(
    {"content-length", "content-encoding", "transfer-encoding", "keep-alive", "upgrade"}
)
# Request headers passed on to the app; everything else (Cookie above all) stays behind.
_FORWARDED_REQUEST_HEADERS = ("Accept", "Accept-Language", "User-Agent", "Content-Type")


def proxy_config() -> dict[str, str]:
    return app_config()["app_proxy"]


def proxy_target(rest: str | None) -> str:
    """The app URL a storefront path under the proxy goes to (``rest`` None: the bare root)."""
    base_path = urlsplit(proxy_config()["url"]).path.rstrip("/")
    return f"{conf.app_url()}{base_path}" + ("" if rest is None else f"/{rest}")


def signed_proxy_params(
    query: list[tuple[str, str]],
    *,
    shop_domain: str,
    customer_id: int | None,
    path_prefix: str,
    timestamp: int | None = None,
) -> list[tuple[str, str]]:
    """The storefront query plus Shopify's parameters and their ``signature``.

    ``timestamp`` defaults to devshop's clock (epoch seconds).
    """
    if timestamp is None:
        timestamp = int(clock.now().timestamp())
    params = [
        *query,
        ("shop", shop_domain),
        ("logged_in_customer_id", str(customer_id) if customer_id is not None else ""),
        ("path_prefix", path_prefix),
        ("timestamp", str(timestamp)),
    ]
    return [*params, ("signature", signing.app_proxy_signature(params, conf.client_secret()))]


# Shopify's storefront takes the shopper's POSTs without a CSRF token; the app authenticates
# proxy requests by their signature.
@csrf_exempt
def app_proxy(
    request: HttpRequest,
    shop_domain: str,
    prefix: str,
    subpath: str,
    rest: str | None = None,
    locale: str | None = None,
) -> HttpResponse:
    shop = shop_or_404(shop_domain)
    config = proxy_config()
    if (prefix, subpath) != (config["prefix"], config["subpath"]):
        return HttpResponse("Not found", status=404, content_type="text/plain")
    customer = session.signed_in_customer(request, shop)
    params = signed_proxy_params(
        # A shopper-supplied `signature` or `shop` is passed on too; it fails verification.
        _pairs(request),
        shop_domain=shop.domain,
        customer_id=customer.id if customer else None,
        path_prefix=f"/{prefix}/{subpath}",
    )
    headers = {h: request.headers[h] for h in _FORWARDED_REQUEST_HEADERS if h in request.headers}
    headers["X-Forwarded-For"] = request.META.get("REMOTE_ADDR", "")
    headers["X-Forwarded-Host"] = shop.domain
    try:
        upstream = devshop_http.session.request(
            request.method or "GET",
            f"{proxy_target(rest)}?{urlencode(params)}",
            data=request.body if request.method not in {"GET", "HEAD"} else None,
            headers=headers,
            timeout=devshop_http.PROXY_TIMEOUT,
            allow_redirects=True,
        )
    except requests.RequestException as exc:
        logger.warning("devshop app proxy: %s unreachable: %s", proxy_target(rest), exc)
        return HttpResponse(
            "The app did not answer the proxy request.", status=502, content_type="text/plain"
        )
    return _storefront_response(request, shop, customer, upstream, locale)


def _pairs(request: HttpRequest) -> list[tuple[str, str]]:
    return [(key, value) for key, values in request.GET.lists() for value in values]


def _storefront_response(
    request, shop, customer, upstream: requests.Response, locale: str | None = None
) -> HttpResponse:
    content_type = upstream.headers.get("Content-Type", "")
    if content_type.split(";")[0].strip().lower() == "application/liquid":
        context = storefront_context(request, shop, customer, locale)
        body = theme.render_proxy_liquid(upstream.text, context=context)
        response = HttpResponse(
            body, status=upstream.status_code, content_type="text/html; charset=utf-8"
        )
    else:
        response = HttpResponse(upstream.content, status=upstream.status_code)
        if content_type:
            response["Content-Type"] = content_type
    for name, value in upstream.headers.items():
        lowered = name.lower()
        if lowered in STRIPPED_RESPONSE_HEADERS or lowered in _TRANSFER_HEADERS:
            continue
        if lowered != "content-type":
            response[name] = value
    return response
