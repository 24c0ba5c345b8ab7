"""The App URL (/) and the bounce page, for shops that are already installed.

Loads that need token exchange (no usable credential) go to devshop: test_token_exchange.py.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.test import override_settings

from devshop import signing as devshop_signing
from shopify_app.services.credentials import shop_credential_store
from tests.shopify_app.test_authentication import session_token

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

SHOP = "alice-shop.myshopify.com"
HOST = devshop_signing.host_param(SHOP)
TOKEN = {"access_token": "shpat_x", "scope": ",".join(settings.SHOPIFY_SCOPES)}


@pytest.fixture
def installed(shop):
    shop_credential_store(shop=shop, token_response=TOKEN)
    return shop


def embedded_params(**changes) -> dict[str, str]:
    params = {
        "embedded": "1",
        "host": HOST,
        "id_token": session_token(SHOP),
        "locale": "en",
        "shop": SHOP,
        "timestamp": str(int(time.time())),
    }
    params["hmac"] = devshop_signing.oauth_query_hmac(params, settings.SHOPIFY_API_SECRET)
    params.update(changes)
    return {k: v for k, v in params.items() if v is not None}


def test_embedded_load_renders_the_admin(client, installed):
    response = client.get("/", embedded_params())
    assert response.status_code == 200
    html = response.content.decode()
    head = html[html.index("<head>") + len("<head>") :].lstrip()
    # First in <head>: the API key, then App Bridge as a plain blocking script.
    assert head.startswith(f'<meta name="shopify-api-key" content="{settings.SHOPIFY_API_KEY}">')
    script = re.search(r"<script[^>]*app-bridge[^>]*>", head).group(0)
    assert script == '<script src="https://cdn.shopify.com/shopifycloud/app-bridge.js">'
    assert head.index("shopify-api-key") < head.index("app-bridge.js") < head.index("admin.js")
    assert '<script type="module" src="/static/admin/admin.js">' in html
    assert 'href="/static/admin/admin.css"' in html
    assert '<div id="app"></div>' in html


def test_embedded_load_may_be_framed_by_the_shop_only(client, installed):
    response = client.get("/", embedded_params())
    assert response["Content-Security-Policy"] == (
        f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
    )
    assert "X-Frame-Options" not in response


@override_settings(APP_BRIDGE_SCRIPT_URL="http://127.0.0.1:8001/devshop/app-bridge.js")
def test_app_bridge_script_url_is_a_setting(client, installed):
    html = client.get("/", embedded_params()).content.decode()
    assert '<script src="http://127.0.0.1:8001/devshop/app-bridge.js"></script>' in html


def test_embedded_load_works_without_hmac(client, installed):
    # After the bounce page, App Bridge reloads with a fresh id_token and no hmac.
    response = client.get("/", embedded_params(hmac=None, timestamp=None))
    assert response.status_code == 200


def _bounce_target(response) -> tuple[str, dict[str, str]]:
    assert response.status_code == 302
    parts = urlsplit(response["Location"])
    return parts.path, dict(parse_qsl(parts.query))


@pytest.mark.parametrize(
    "id_token",
    [
        None,
        "",
        "garbage",
        session_token(SHOP, now=1),  # expired
        session_token(SHOP, secret="forged"),
    ],
    ids=["missing", "empty", "garbage", "expired", "forged"],
)
def test_invalid_id_token_gets_the_bounce_page(client, installed, id_token):
    response = client.get("/", embedded_params(id_token=id_token))
    path, query = _bounce_target(response)
    assert path == "/auth/session-token"
    reload_path, reload_query = query["shopify-reload"].split("?", 1)
    assert reload_path == "/"
    # The stale token and the signature that covered it are dropped from the reload URL.
    assert dict(parse_qsl(reload_query)) == {
        "embedded": "1",
        "host": HOST,
        "locale": "en",
        "shop": SHOP,
    }
    assert query["shop"] == SHOP


def test_bounce_page_only_loads_app_bridge(client, db):
    response = client.get("/auth/session-token", {"shop": SHOP, "shopify-reload": "/?shop=x"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<meta name="shopify-api-key" content="{settings.SHOPIFY_API_KEY}">' in html
    assert html.count("<script") == 1 and "app-bridge.js" in html
    assert response["Content-Security-Policy"] == (
        f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
    )


@pytest.mark.parametrize(
    "target", ["", "https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_bounce_page_refuses_foreign_reload_targets(client, db, target):
    response = client.get("/auth/session-token", {"shop": SHOP, "shopify-reload": target})
    assert response.status_code == 400


def test_session_token_for_another_shop_is_refused(client, installed):
    response = client.get("/", embedded_params(shop="charlie-shop.myshopify.com"))
    assert response.status_code == 400
    assert response["Content-Security-Policy"] == "frame-ancestors 'none';"


def test_invalid_shop_parameter_is_refused(client, installed):
    response = client.get("/", embedded_params(shop="alice-shop.myshopify.com.evil.example"))
    assert response.status_code == 400


# --- outside the admin ------------------------------------------------------------------------


def launch_params(**changes) -> dict[str, str]:
    params = {"host": HOST, "shop": SHOP, "timestamp": str(int(time.time()))}
    params.update(changes)
    params["hmac"] = devshop_signing.oauth_query_hmac(params, settings.SHOPIFY_API_SECRET)
    return params


def test_launch_outside_the_admin_goes_into_the_admin(client, installed):
    response = client.get("/", launch_params())
    assert response.status_code == 302
    assert response["Location"] == (
        f"https://admin.shopify.com/store/alice-shop/apps/{settings.SHOPIFY_API_KEY}"
    )


def test_launch_without_host_uses_the_shop_handle(client, installed):
    params = launch_params()
    params.pop("host")
    params["hmac"] = devshop_signing.oauth_query_hmac(
        {k: v for k, v in params.items() if k != "hmac"}, settings.SHOPIFY_API_SECRET
    )
    response = client.get("/", params)
    assert response["Location"].startswith("https://admin.shopify.com/store/alice-shop/apps/")


def test_launch_with_a_forged_signature_is_refused(client, installed):
    response = client.get("/", {**launch_params(), "hmac": "0" * 64})
    assert response.status_code == 400
    assert response["Content-Security-Policy"] == "frame-ancestors 'none';"


def test_launch_with_a_stale_timestamp_is_refused(client, installed):
    response = client.get("/", launch_params(timestamp="1337178173"))
    assert response.status_code == 400


def test_no_parameters_shows_the_install_form(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert 'action="/auth/install"' in response.content.decode()
    assert response["Content-Security-Policy"] == "frame-ancestors 'none';"
    assert response["X-Frame-Options"] == "DENY"


def test_billing_return_to_the_app_url_goes_into_the_admin(client, db):
    # Shopify appends only charge_id to a returnUrl: nothing signed, so only a redirect.
    response = client.get("/", {"shop": SHOP, "charge_id": "1029266947"})
    assert response.status_code == 302
    assert response["Location"] == (
        f"https://admin.shopify.com/store/alice-shop/apps/{settings.SHOPIFY_API_KEY}"
        "?charge_id=1029266947"
    )


def test_billing_return_for_a_malformed_shop_is_refused(client, db):
    response = client.get("/", {"shop": "evil.example.com", "charge_id": "1"})
    assert response.status_code == 400
