"""A signed storefront client: requests as devshop's app proxy would forward them.

``proxy.get(path, customer=…)`` / ``proxy.post(path, body, customer=…, key=…)`` sign the query
with the app secret (Shopify's algorithm, devshop's implementation) for ``shop`` and the given
``logged_in_customer_id`` (None: a guest), at ``timestamp`` (default: now).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client

from devshop import signing as devshop_signing
from tests.factories import CustomerFactory, MemberFactory


def signed_query(
    shop_domain: str,
    customer_id: int | None,
    *,
    timestamp: int | None = None,
    secret: str | None = None,
    extra: list[tuple[str, str]] | None = None,
) -> str:
    params = [
        *(extra or []),
        ("shop", shop_domain),
        ("logged_in_customer_id", "" if customer_id is None else str(customer_id)),
        ("path_prefix", "/apps/rewards"),
        ("timestamp", str(int(time.time()) if timestamp is None else timestamp)),
    ]
    signature = devshop_signing.app_proxy_signature(params, secret or settings.SHOPIFY_API_SECRET)
    return urlencode([*params, ("signature", signature)])


@dataclass
class Proxy:
    client: Client
    shop_domain: str

    def get(self, path: str, *, customer: int | None = None, query: str | None = None, **kw):
        query = query or signed_query(self.shop_domain, customer, **kw)
        return self.client.get(f"/proxy/api/{path}?{query}")

    def post(
        self,
        path: str,
        body: dict | None = None,
        *,
        customer: int | None = None,
        key: str | None = None,
        query: str | None = None,
        **kw,
    ):
        query = query or signed_query(self.shop_domain, customer, **kw)
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(
            f"/proxy/api/{path}?{query}",
            data=json.dumps(body or {}),
            content_type="application/json",
            headers=headers,
        )


@pytest.fixture
def proxy(client, shop) -> Proxy:
    return Proxy(client=client, shop_domain=shop.domain)


@pytest.fixture
def shopper(shop):
    """A signed-in customer of ``shop`` who is a member."""
    customer = CustomerFactory(shop=shop, first_name="Ann", shopify_id=8_100_000_001)
    return MemberFactory(shop=shop, customer=customer)


@pytest.fixture(autouse=True)
def _only_the_points_section():
    """These tests are about the points section and pin its queries: other apps' sections
    (referrals…) are left out of the state while they run, and put back after."""
    from shopify_app import storefront

    others = [s for s in storefront.sections_registered() if s.key != "points"]
    for section in others:
        storefront.unregister_section(section.key)
    yield
    for section in others:
        storefront.register_section(
            section.key, section.builder, title=section.title, order=section.order
        )
