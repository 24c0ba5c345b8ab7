"""The Shopify edge's middleware: iframe protection.

**Iframe protection** for every HTML response (shopify-platform.md §4,
``EmbeddedFramingMiddleware``). Shopify requires ``Content-Security-Policy: frame-ancestors
https://{shop} https://admin.shopify.com;`` on the embedded app's documents, built from the
*validated* shop (never ``*`` or a wildcard), and ``frame-ancestors 'none';`` on everything
else. Views set ``request.shopify_shop_domain`` only after validating the shop (a verified
session token, a verified signature, or for the bounce page a well-formed domain); it is
re-checked here so nothing malformed can reach the header.

An embedded response must not carry ``X-Frame-Options: DENY`` (Django's clickjacking
middleware adds it to every response), or the admin could not frame it: this middleware sits
outside ``XFrameOptionsMiddleware`` and removes it when it allows framing.
``settings.SHOPIFY_EXTRA_FRAME_ANCESTORS`` adds origins for development, where devshop's admin
frames the app from another origin.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from shopify_app.signatures import shop_domain_sanitize

SHOPIFY_ADMIN_ORIGIN = "https://admin.shopify.com"


def frame_ancestors(shop_domain: str | None) -> str:
    shop = shop_domain_sanitize(shop_domain)
    if shop is None:
        return "frame-ancestors 'none';"
    origins = [f"https://{shop}", SHOPIFY_ADMIN_ORIGIN, *settings.SHOPIFY_EXTRA_FRAME_ANCESTORS]
    return f"frame-ancestors {' '.join(origins)};"


class EmbeddedFramingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        policy = frame_ancestors(getattr(request, "shopify_shop_domain", None))
        existing = response.get("Content-Security-Policy", "")
        if "frame-ancestors" not in existing:
            response["Content-Security-Policy"] = f"{existing} {policy}".strip()
        if "frame-ancestors 'none'" not in response["Content-Security-Policy"]:
            del response["X-Frame-Options"]  # no-op when absent
        return response
