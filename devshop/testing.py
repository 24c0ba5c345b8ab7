"""Run devshop and the app in one process: a requests adapter that serves requests in-process.

Both the app (``shopify_app.http.session``) and devshop (its outgoing webhooks and proxy
requests) speak plain HTTP through ``requests``. In tests we mount ``InProcessAdapter`` on
those sessions for ``http://testserver/``, so a request is handled by Django's test client
against the test URLconf (app + devshop) on the same database connection, inside the test's
transaction. Nothing is mocked: the full request/response path of both sides runs.
"""

from __future__ import annotations

from io import BytesIO
from urllib.parse import urlsplit

import requests
from django.test import Client
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

BASE_URL = "http://testserver"

# Headers the test client would otherwise mangle or that describe the transport, not the call.
_SKIP_REQUEST_HEADERS = {"content-length", "host", "connection", "accept-encoding"}


class InProcessAdapter(BaseAdapter):
    """Serve a ``requests`` PreparedRequest with Django's test ``Client``."""

    def __init__(self) -> None:
        super().__init__()
        self.client = Client(raise_request_exception=True)
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.requests.append(request)
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in _SKIP_REQUEST_HEADERS
        }
        content_type = headers.pop("Content-Type", headers.pop("content-type", None))
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        response = self.client.generic(
            request.method,
            path,
            data=body,
            content_type=content_type or "application/octet-stream",
            headers=headers,
            follow=False,
        )
        return self._to_requests_response(request, response)

    @staticmethod
    def _to_requests_response(request, django_response) -> requests.Response:
        result = requests.Response()
        result.status_code = django_response.status_code
        result.headers = CaseInsensitiveDict(dict(django_response.items()))
        content = (
            b"".join(django_response.streaming_content)
            if getattr(django_response, "streaming", False)
            else django_response.content
        )
        result.raw = BytesIO(content)
        result._content = content
        result.url = request.url
        result.request = request
        result.reason = getattr(django_response, "reason_phrase", "")
        result.encoding = "utf-8"
        return result

    def close(self) -> None:
        return None


class DevshopHandle:
    """A devshop shop with the app installed, for tests: the ``devshop`` fixture.

    ``shop`` is the DevShop, ``token`` an offline access token for it. ``graphql`` posts a
    document to the shop's Admin API exactly as the app would; ``advance`` moves devshop's
    clock (tokens expire, the cost bucket refills).
    """

    def __init__(self, shop, token: str) -> None:
        self.shop = shop
        self.token = token
        self.client = Client()

    @classmethod
    def create(cls, domain: str = "alice-shop.myshopify.com", **shop_fields) -> DevshopHandle:
        from devshop.services import shops, tokens

        shop = shops.shop_create(domain=domain, **shop_fields)
        token = tokens.access_token_create(shop=shop)
        return cls(shop, token.token)

    @property
    def graphql_path(self) -> str:
        return f"/store/{self.shop.domain}/admin/api/2026-07/graphql.json"

    def graphql(self, query: str, variables: dict | None = None, *, token: str | None = None):
        """POST a GraphQL document; returns the Django test response (``.json()``)."""
        return self.client.post(
            self.graphql_path,
            data={"query": query, "variables": variables or {}},
            content_type="application/json",
            headers={"X-Shopify-Access-Token": self.token if token is None else token},
        )

    def data(self, query: str, variables: dict | None = None) -> dict:
        """The ``data`` of a query that must succeed without errors."""
        response = self.graphql(query, variables)
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        return body["data"]

    @staticmethod
    def advance(seconds: float) -> None:
        from devshop import clock

        clock.advance(seconds)
