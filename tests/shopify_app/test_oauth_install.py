"""The OAuth authorization code grant end to end against devshop's consent page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from devshop.models import DevAccessToken
from devshop.services import shops as devshop_shops
from shopify_app import crypto
from shopify_app.models import Shop, ShopCredential
from shopify_app.services import shops

DOMAIN = "bob-shop.myshopify.com"


@pytest.fixture(autouse=True)
def no_hooks(monkeypatch):
    monkeypatch.setattr(shops, "post_install_hooks", [])


@pytest.fixture
def dev_shop(db):
    return devshop_shops.shop_create(domain=DOMAIN)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def approve(client: Client, authorize_url: str) -> str:
    """The merchant approves on Shopify's consent page; returns where Shopify redirects."""
    assert client.get(_path(authorize_url)).status_code == 200
    response = client.post(_path(authorize_url), {"decision": "approve"})
    assert response.status_code == 302
    return response["Location"]


def test_install_through_oauth(client, dev_shop, inprocess_http):
    authorize_url = client.get("/auth/install", {"shop": DOMAIN})["Location"]
    callback_url = approve(client, authorize_url)
    assert callback_url.startswith(f"{settings.APP_URL}/auth/callback?")

    response = client.get(_path(callback_url))

    assert response.status_code == 302
    assert response["Location"] == (
        f"https://admin.shopify.com/store/bob-shop/apps/{settings.SHOPIFY_API_KEY}"
    )
    shop = Shop.objects.get(domain=DOMAIN)
    assert shop.is_installed
    credential = ShopCredential.objects.get(shop=shop)
    issued = DevAccessToken.objects.get(token=crypto.decrypt(credential.access_token))
    assert issued.expiring and credential.refresh_token
    assert response.cookies["shopify_app_state"].value == ""  # the nonce is spent


def test_a_callback_cannot_be_replayed(client, dev_shop, inprocess_http):
    callback_url = approve(client, client.get("/auth/install", {"shop": DOMAIN})["Location"])
    assert client.get(_path(callback_url)).status_code == 302
    assert client.get(_path(callback_url)).status_code == 403  # the cookie is gone


def test_a_callback_opened_in_another_browser_is_refused(client, dev_shop, inprocess_http):
    callback_url = approve(client, client.get("/auth/install", {"shop": DOMAIN})["Location"])
    response = Client().get(_path(callback_url))
    assert response.status_code == 403
    assert not Shop.objects.filter(domain=DOMAIN).exists()


def test_scopes_removed_from_the_authorize_url_are_refused(client, dev_shop, inprocess_http):
    authorize_url = client.get("/auth/install", {"shop": DOMAIN})["Location"]
    parts = urlsplit(authorize_url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["scope"] = "read_customers"  # the merchant edited the URL
    edited = f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"
    response = client.get(_path(approve(client, edited)))
    assert response.status_code == 403
    assert "write_customers" in response.content.decode()
    assert not Shop.objects.filter(domain=DOMAIN).exists()
    assert not ShopCredential.objects.exists()


def test_a_tampered_callback_is_refused_before_any_exchange(client, dev_shop, inprocess_http):
    callback_url = approve(client, client.get("/auth/install", {"shop": DOMAIN})["Location"])
    tampered = callback_url.replace("bob-shop.myshopify.com", "eve-shop.myshopify.com")
    response = client.get(_path(tampered))
    assert response.status_code == 400
    assert not [r for r in inprocess_http.requests if r.url.endswith("/access_token")]
