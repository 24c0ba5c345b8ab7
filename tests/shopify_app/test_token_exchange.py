"""Managed installation end to end: the admin frames the App URL, we exchange its session token.

devshop plays Shopify (its admin frame builds the iframe URL exactly as Shopify does, and its
token endpoint answers); requests between the two run in-process.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings

from devshop import clock as devshop_clock
from devshop.frame.views import embedded_app_src, mint_id_token
from devshop.models import DevAccessToken
from devshop.services import shops as devshop_shops
from shopify_app import crypto, oauth
from shopify_app.exceptions import ReauthorizationRequired
from shopify_app.models import Shop, ShopCredential
from shopify_app.services import shops
from shopify_app.services.credentials import (
    shop_access_token_get,
    shop_access_token_migrate,
    shop_access_token_revoked,
    shop_credential_store,
)

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

DOMAIN = "bob-shop.myshopify.com"


@pytest.fixture
def dev_shop(db):
    shop = devshop_shops.shop_create(domain=DOMAIN, name="Bob's Shop")
    yield shop
    devshop_clock.reset()


@pytest.fixture
def hook_calls(monkeypatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(shops, "post_install_hooks", [lambda *, shop_id: calls.append(shop_id)])
    return calls


def admin_opens_app(client, dev_shop):
    """What the merchant's browser does: load the iframe src devshop's admin builds."""
    src = urlsplit(embedded_app_src(dev_shop.domain, devshop_shops.shop_owner(shop=dev_shop).id))
    return client.get(f"{src.path}?{src.query}")


def test_first_open_installs_the_app_by_token_exchange(
    client, dev_shop, inprocess_http, hook_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_opens_app(client, dev_shop)
    assert response.status_code == 200
    assert 'name="shopify-api-key"' in response.content.decode()
    shop = Shop.objects.get(domain=DOMAIN)
    assert shop.is_installed
    credential = ShopCredential.objects.get(shop=shop)
    # An expiring offline token, stored with its refresh token.
    assert credential.expires_at is not None and credential.refresh_token
    issued = DevAccessToken.objects.get(token=crypto.decrypt(credential.access_token))
    assert issued.expiring and issued.kind == "offline"
    assert hook_calls == [shop.pk]
    # The one call to Shopify was the token exchange, with the session token as subject.
    (exchange,) = inprocess_http.requests
    assert exchange.url.endswith(f"/store/{DOMAIN}/admin/oauth/access_token")


def test_next_open_uses_the_stored_token(client, dev_shop, inprocess_http, hook_calls):
    admin_opens_app(client, dev_shop)
    admin_opens_app(client, dev_shop)
    assert len(inprocess_http.requests) == 1
    assert DevAccessToken.objects.filter(installation__shop=dev_shop).count() == 1


def test_reopening_after_uninstall_reinstalls_and_keeps_data(
    client, dev_shop, inprocess_http, hook_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_opens_app(client, dev_shop)
    shop = Shop.objects.get(domain=DOMAIN)
    devshop_shops.app_uninstall(shop=dev_shop)
    shops.shop_uninstall(shop=shop)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_opens_app(client, dev_shop)
    assert response.status_code == 200
    shop.refresh_from_db()
    assert shop.is_installed
    assert ShopCredential.objects.filter(shop=shop).exists()
    assert hook_calls == [shop.pk, shop.pk]


def test_a_revoked_token_is_exchanged_again_on_next_open(
    client, dev_shop, inprocess_http, hook_calls
):
    admin_opens_app(client, dev_shop)
    shop = Shop.objects.get(domain=DOMAIN)
    first = shop_access_token_get(shop=shop)
    shop_access_token_revoked(shop=shop, access_token=first)
    admin_opens_app(client, dev_shop)
    assert shop_access_token_get(shop=shop) != first


def test_missing_scopes_trigger_a_new_exchange(client, dev_shop, inprocess_http, hook_calls):
    admin_opens_app(client, dev_shop)
    shop = Shop.objects.get(domain=DOMAIN)
    shops.shop_scopes_update(shop=shop, scopes=["read_customers"])
    admin_opens_app(client, dev_shop)
    assert len(inprocess_http.requests) == 2
    assert not oauth.scopes_missing(
        ShopCredential.objects.get(shop=shop).scopes, settings.SHOPIFY_SCOPES
    )


def test_a_session_token_shopify_refuses_gets_the_bounce_page(
    client, dev_shop, inprocess_http, hook_calls
):
    # Our clock accepts the token but Shopify's is 5 minutes ahead: it answers
    # invalid_subject_token, and the document goes to the bounce page for a fresh one.
    src = urlsplit(embedded_app_src(dev_shop.domain, devshop_shops.shop_owner(shop=dev_shop).id))
    devshop_clock.advance(300)
    response = client.get(f"{src.path}?{src.query}")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/session-token?")
    assert not Shop.objects.filter(domain=DOMAIN).exists()


def test_api_request_heals_a_shop_whose_credential_was_dropped(
    client, dev_shop, inprocess_http, hook_calls
):
    admin_opens_app(client, dev_shop)
    shop = Shop.objects.get(domain=DOMAIN)
    ShopCredential.objects.filter(shop=shop).delete()  # e.g. the refresh token expired
    owner = devshop_shops.shop_owner(shop=dev_shop)
    token = mint_id_token(DOMAIN, owner.id)
    response = client.get("/api/admin/shop", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert ShopCredential.objects.filter(shop=shop).exists()


def test_online_token_exchange_returns_the_staff_user(dev_shop, inprocess_http):
    owner = devshop_shops.shop_owner(shop=dev_shop)
    devshop_shops.app_install(shop=dev_shop)
    response = oauth.token_exchange(
        shop_domain=DOMAIN, session_token=mint_id_token(DOMAIN, owner.id), online=True
    )
    assert response["associated_user"]["id"] == owner.id
    assert "refresh_token" not in response


def test_migrating_a_non_expiring_token(dev_shop, inprocess_http, db):
    devshop_shops.app_install(shop=dev_shop)
    from devshop.services.tokens import access_token_create

    legacy = access_token_create(shop=dev_shop)  # devshop's non-expiring offline token
    assert not legacy.expiring
    shop = shops.shop_install(
        shop_domain=DOMAIN, token_response={"access_token": legacy.token, "scope": legacy.scopes}
    )
    migrated = shop_access_token_migrate(shop=shop)
    assert migrated.expires_at is not None and migrated.refresh_token
    assert shop_access_token_get(shop=shop) != legacy.token
    legacy.refresh_from_db()
    assert legacy.revoked_at is not None  # irreversible: the old token is gone
    assert shop_access_token_migrate(shop=shop).version == migrated.version  # idempotent


def test_migrating_a_token_shopify_no_longer_knows(dev_shop, inprocess_http, db):
    devshop_shops.app_install(shop=dev_shop)
    shop = shops.shop_install(
        shop_domain=DOMAIN, token_response={"access_token": "shpat_unknown", "scope": ""}
    )
    with pytest.raises(ReauthorizationRequired):
        shop_access_token_migrate(shop=shop)
    assert not ShopCredential.objects.filter(shop=shop).exists()


def test_stored_credential_survives_a_second_store(dev_shop, db):
    shop = shops.shop_install(shop_domain=DOMAIN, token_response={"access_token": "a", "scope": ""})
    shop_credential_store(shop=shop, token_response={"access_token": "b", "scope": ""})
    assert shop_access_token_get(shop=shop) == "b"
