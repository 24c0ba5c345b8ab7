"""Rate limits of the storefront API (behind the app proxy), on the shared cache (Redis).

Two DRF throttles, both checked after the proxy signature (a forged request is refused before
it can count against a shopper):

- per customer: the signed ``logged_in_customer_id`` within its shop (guests are not counted
  here: they have no id, and the per-IP limit covers them);
- per IP: the shopper's address from ``X-Forwarded-For``. Every proxied request comes from
  Shopify's servers, so ``REMOTE_ADDR`` names Shopify, not the shopper; Shopify appends the
  shopper's address, and ``STOREFRONT_PROXY_HOPS`` says how many appending proxies to count
  back from the end (values a client put in front are ignored).

Rates are read from settings at request time (``STOREFRONT_THROTTLE_RATES``), not frozen at
import as DRF's default does, so an environment or a test can change them. DRF keeps a list of
timestamps per key with a read-then-write, so under a burst of concurrent requests the limit is
approximate (a few extra requests may pass); the storefront writes are idempotent on their own.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class _StorefrontThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return settings.STOREFRONT_THROTTLE_RATES.get(self.scope)


class StorefrontCustomerThrottle(_StorefrontThrottle):
    scope = "storefront_customer"

    def get_cache_key(self, request, view) -> str | None:
        customer_id = getattr(request, "logged_in_customer_id", None)
        if customer_id is None:
            return None
        # The signed domain (unique per shop), not the shop row: GET state reads no row on a hit.
        ident = f"{request.proxy_shop_domain}:{customer_id}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class StorefrontIPThrottle(_StorefrontThrottle):
    scope = "storefront_ip"

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": shopper_ip(request)}


def shopper_ip(request) -> str:
    """The shopper's address: ``STOREFRONT_PROXY_HOPS`` entries from the end of
    X-Forwarded-For, else the peer address (a direct request, as in development)."""
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    hops = settings.STOREFRONT_PROXY_HOPS
    if hops > 0 and forwarded:
        return forwarded[-min(hops, len(forwarded))]
    return request.META.get("REMOTE_ADDR", "")
