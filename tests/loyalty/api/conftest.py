"""The admin API's cast: Alice's installed shop, a staff member's session token, and an admin
client that sends it (as App Bridge's fetch does)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from devshop import signing as devshop_signing
from shopify_app.services.credentials import shop_credential_store

STAFF_USER_ID = 42
TOKEN = {"access_token": "shpat_x", "scope": ",".join(settings.SHOPIFY_SCOPES)}


def bearer(shop_domain: str, user_id: int = STAFF_USER_ID) -> dict[str, str]:
    token = devshop_signing.session_token(
        shop=shop_domain,
        client_id=settings.SHOPIFY_API_KEY,
        secret=settings.SHOPIFY_API_SECRET,
        user_id=user_id,
        now=int(time.time()),
    )
    return {"Authorization": f"Bearer {token}"}


class AdminClient:
    """``client.get/post/patch`` with the staff member's session token and JSON bodies."""

    def __init__(self, shop, user_id: int = STAFF_USER_ID):
        self.shop, self.user_id, self.client = shop, user_id, Client()

    def request(self, method: str, path: str, body=None, headers=None):
        send = getattr(self.client, method.lower())
        kwargs: dict[str, Any] = {
            "headers": {**bearer(self.shop.domain, self.user_id), **(headers or {})}
        }
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return send(path, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body if body is not None else {}, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body if body is not None else {}, **kw)


@pytest.fixture
def installed(shop):
    shop_credential_store(shop=shop, token_response=TOKEN)
    return shop


@pytest.fixture
def admin(installed) -> AdminClient:
    return AdminClient(installed)
