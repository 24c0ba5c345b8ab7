"""Session-token authentication of /api/admin/* and signature authentication of the app proxy."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from django.conf import settings
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from devshop import signing as devshop_signing
from shopify_app.services.credentials import shop_credential_store
from shopify_app.views.api import RETRY_INVALID_SESSION_HEADER, AppProxyAPIView
from tests.factories import ShopFactory

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

TOKEN = {"access_token": "shpat_x", "scope": ",".join(settings.SHOPIFY_SCOPES)}


def session_token(shop_domain: str, *, secret: str | None = None, now: int | None = None) -> str:
    return devshop_signing.session_token(
        shop=shop_domain,
        client_id=settings.SHOPIFY_API_KEY,
        secret=secret or settings.SHOPIFY_API_SECRET,
        user_id=42,
        now=int(time.time()) if now is None else now,
    )


def bearer(shop_domain: str, **kwargs) -> dict[str, str]:
    return {"Authorization": f"Bearer {session_token(shop_domain, **kwargs)}"}


@pytest.fixture
def installed(shop):
    shop_credential_store(shop=shop, token_response=TOKEN)
    return shop


def test_shop_endpoint_answers_for_the_tokens_shop(client, installed, other_shop):
    response = client.get("/api/admin/shop", headers=bearer(installed.domain))
    assert response.status_code == 200
    body = response.json()
    assert body["domain"] == installed.domain == "alice-shop.myshopify.com"
    assert set(body) == {"domain", "name", "currency", "plan", "installed_at"}
    assert (body["name"], body["currency"], body["plan"]) == ("Alice's Shop", "USD", "free")


def test_shop_endpoint_with_withheld_shop_details(client, db):
    # Nothing is known about the shop but its domain (details not synced, or withheld).
    shop = ShopFactory(domain="bare-shop.myshopify.com", name="", email="")
    shop_credential_store(shop=shop, token_response=TOKEN)
    response = client.get("/api/admin/shop", headers=bearer(shop.domain))
    assert response.status_code == 200
    assert response.json()["name"] == ""


def test_shop_comes_only_from_the_token(client, installed, other_shop):
    shop_credential_store(shop=other_shop, token_response=TOKEN)
    response = client.get(
        f"/api/admin/shop?shop={installed.domain}", headers=bearer(other_shop.domain)
    )
    assert response.json()["domain"] == other_shop.domain


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "invalid_session_token"),
        ({"Authorization": "Basic abc"}, "invalid_session_token"),
        ({"Authorization": "Bearer not-a-jwt"}, "invalid_session_token"),
        (
            {"Authorization": f"Bearer {session_token('alice-shop.myshopify.com', secret='x')}"},
            "invalid_session_token",
        ),
        (
            {"Authorization": f"Bearer {session_token('alice-shop.myshopify.com', now=1)}"},
            "session_token_expired",
        ),
    ],
    ids=["missing", "not bearer", "garbage", "forged", "expired"],
)
def test_invalid_session_token_gets_401_with_retry_header(client, installed, headers, code):
    response = client.get("/api/admin/shop", headers=headers)
    assert response.status_code == 401
    assert response[RETRY_INVALID_SESSION_HEADER] == "1"
    body = response.json()
    assert body["code"] == code
    assert set(body) == {"message", "code", "extra"}


def test_unknown_shop_is_refused_with_403(client, db):
    response = client.get("/api/admin/shop", headers=bearer("nobody.myshopify.com"))
    assert response.status_code == 403
    assert response.json()["code"] == "shop_not_installed"
    assert RETRY_INVALID_SESSION_HEADER not in response


def test_uninstalled_shop_is_refused_with_403(client, installed):
    from shopify_app.services.shops import shop_uninstall

    shop_uninstall(shop=installed)
    response = client.get("/api/admin/shop", headers=bearer(installed.domain))
    assert response.status_code == 403
    assert response.json()["code"] == "shop_not_installed"


# --- App proxy --------------------------------------------------------------------------------


class ProxyEcho(AppProxyAPIView):
    def get(self, request):
        return Response({"shop": request.shop.domain, "customer": request.logged_in_customer_id})


def proxy_request(shop_domain: str, *, customer: str = "7", secret: str | None = None, **extra):
    params = [
        ("shop", shop_domain),
        ("logged_in_customer_id", customer),
        ("path_prefix", "/apps/rewards"),
        ("timestamp", str(int(time.time()))),
        *extra.items(),
    ]
    signature = devshop_signing.app_proxy_signature(params, secret or settings.SHOPIFY_API_SECRET)
    query = urlencode([*params, ("signature", signature)])
    return ProxyEcho.as_view()(APIRequestFactory().get(f"/proxy/api/state?{query}"))


def test_app_proxy_names_shop_and_customer(installed):
    response = proxy_request(installed.domain)
    assert response.status_code == 200
    assert response.data == {"shop": installed.domain, "customer": 7}
    assert response["Cache-Control"] == "private, no-store"


def test_app_proxy_anonymous_shopper(installed):
    assert proxy_request(installed.domain, customer="").data["customer"] is None


def test_app_proxy_forged_signature_is_401(installed):
    response = proxy_request(installed.domain, secret="not-ours")
    assert response.status_code == 401
    assert response.data["code"] == "invalid_signature"


def test_app_proxy_uninstalled_shop_is_403(installed):
    from shopify_app.services.shops import shop_uninstall

    shop_uninstall(shop=installed)
    response = proxy_request(installed.domain)
    assert response.status_code == 403
    assert response.data["code"] == "shop_not_installed"
