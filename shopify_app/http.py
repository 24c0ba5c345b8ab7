"""The one HTTP session the app uses to talk to Shopify, and where a shop's URLs are.

Every outbound request (Admin GraphQL, OAuth token requests) goes through ``session`` with
explicit connect/read timeouts: a hung Shopify connection must never hold a web or worker
process. Tests mount devshop's in-process adapter on this session; nothing else is patched.
"""

from __future__ import annotations

import requests
from django.conf import settings

# (connect, read) seconds. Shopify answers GraphQL in well under a second normally; the read
# timeout bounds the worst case for a worker, and the caller's retry policy takes it from there.
TIMEOUT = (3.05, 20)

session = requests.Session()
session.headers["User-Agent"] = "loyalty-app"


def shop_origin(shop_domain: str) -> str:
    """``https://{shop}`` on Shopify; devshop serves every shop under one local origin."""
    return settings.SHOPIFY_SHOP_ORIGIN_TEMPLATE.format(shop=shop_domain).rstrip("/")


def shop_url(shop_domain: str, path: str) -> str:
    return f"{shop_origin(shop_domain)}/{path.lstrip('/')}"


def admin_app_url(*, host: str | None, shop: str) -> str:
    """Where the app lives inside the merchant's admin, from the decoded ``host`` if we have it."""
    admin_host = host or f"admin.shopify.com/store/{shop.removesuffix('.myshopify.com')}"
    return settings.SHOPIFY_ADMIN_APP_URL_TEMPLATE.format(
        host=admin_host, client_id=settings.SHOPIFY_API_KEY
    )
