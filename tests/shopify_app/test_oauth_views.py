"""/auth/install and /auth/callback: everything refused before any call to Shopify.

The full code grant against devshop is in test_oauth_install.py.
"""

from __future__ import annotations

import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from devshop import signing as devshop_signing
from shopify_app.models import Shop, ShopCredential
from shopify_app.oauth import scopes_missing
from shopify_app.views.oauth import STATE_COOKIE

SHOP = "alice-shop.myshopify.com"


def test_install_redirects_to_the_shops_authorize_page_with_a_state(client, db):
    response = client.get("/auth/install", {"shop": SHOP})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        settings.SHOPIFY_SHOP_ORIGIN_TEMPLATE.format(shop=SHOP) + "/admin/oauth/authorize"
    )
    query = parse_qs(location.query)
    assert query["client_id"] == [settings.SHOPIFY_API_KEY]
    assert query["redirect_uri"] == [f"{settings.APP_URL}/auth/callback"]
    assert query["scope"] == [",".join(settings.SHOPIFY_SCOPES)]
    assert "grant_options[]" not in query  # offline
    state = query["state"][0]
    assert re.fullmatch(r"[0-9a-f]{64}", state)
    cookie = response.cookies[STATE_COOKIE]
    assert state in cookie.value  # signed: value plus signature
    assert cookie["max-age"] == 60
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"]
    assert not cookie["secure"]  # plain http in tests


def test_install_cookie_is_secure_over_https(client, db):
    response = client.get("/auth/install", {"shop": SHOP}, secure=True)
    assert response.cookies[STATE_COOKIE]["secure"]


def test_each_install_gets_a_fresh_state(client, db):
    first = parse_qs(urlsplit(client.get("/auth/install", {"shop": SHOP})["Location"]).query)
    second = parse_qs(urlsplit(client.get("/auth/install", {"shop": SHOP})["Location"]).query)
    assert first["state"] != second["state"]


def test_install_inside_the_iframe_breaks_out_first(client, db):
    response = client.get("/auth/install", {"shop": SHOP, "embedded": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'window.open(JSON.parse(document.getElementById("shopify-top-level-url")' in html
    assert '"_top"' in html
    url = json.loads(re.search(r'id="shopify-top-level-url"[^>]*>(.*?)</script>', html).group(1))
    assert url == f"{settings.APP_URL}/auth/install?shop={SHOP}"
    assert STATE_COOKIE not in response.cookies  # the state is set at the top level only
    # It is framed by the shop's admin at this point.
    assert f"https://{SHOP}" in response["Content-Security-Policy"]


@pytest.mark.parametrize("shop", ["", "evil.example", f"{SHOP}.evil.example", "a b"])
def test_install_refuses_invalid_shops(client, db, shop):
    response = client.get("/auth/install", {"shop": shop})
    assert response.status_code == 400
    assert STATE_COOKIE not in response.cookies


# --- callback ---------------------------------------------------------------------------------


def callback_params(state: str, **changes) -> dict[str, str]:
    params = {
        "code": "0907a61c0c8d55e99db179b68161bc00",
        "host": devshop_signing.host_param(SHOP),
        "shop": SHOP,
        "state": state,
        "timestamp": str(int(time.time())),
    }
    params.update(changes)
    params["hmac"] = devshop_signing.oauth_query_hmac(params, settings.SHOPIFY_API_SECRET)
    return params


def _state(client) -> str:
    location = client.get("/auth/install", {"shop": SHOP})["Location"]
    return parse_qs(urlsplit(location).query)["state"][0]


def _assert_refused(response, status):
    assert response.status_code == status
    assert not Shop.objects.filter(domain=SHOP).exists()
    assert not ShopCredential.objects.exists()
    # The state cookie is spent either way.
    assert response.cookies[STATE_COOKIE].value == ""


def test_callback_without_state_cookie_is_refused(client, db):
    _assert_refused(client.get("/auth/callback", callback_params("a" * 64)), 403)


def test_callback_with_another_state_is_refused(client, db):
    _state(client)
    _assert_refused(client.get("/auth/callback", callback_params("b" * 64)), 403)


def test_callback_with_a_forged_cookie_is_refused(client, db):
    client.cookies[STATE_COOKIE] = "a" * 64  # unsigned
    _assert_refused(client.get("/auth/callback", callback_params("a" * 64)), 403)


def test_callback_with_a_forged_hmac_is_refused(client, db):
    state = _state(client)
    params = {**callback_params(state), "hmac": "0" * 64}
    _assert_refused(client.get("/auth/callback", params), 400)


def test_callback_with_an_old_timestamp_is_refused(client, db):
    state = _state(client)
    params = callback_params(state, timestamp=str(int(time.time()) - 91))
    _assert_refused(client.get("/auth/callback", params), 400)


def test_callback_with_an_invalid_shop_is_refused(client, db):
    state = _state(client)
    params = callback_params(state, shop=f"{SHOP}.evil.example")
    _assert_refused(client.get("/auth/callback", params), 400)


def test_callback_without_code_is_refused(client, db):
    state = _state(client)
    params = callback_params(state)
    params.pop("code")
    params["hmac"] = devshop_signing.oauth_query_hmac(
        {k: v for k, v in params.items() if k != "hmac"}, settings.SHOPIFY_API_SECRET
    )
    _assert_refused(client.get("/auth/callback", params), 400)


@pytest.mark.parametrize(
    ("granted", "missing"),
    [
        ("read_customers,write_customers", set()),
        ("write_customers", set()),  # write implies read
        ("read_customers", {"write_customers"}),
        ("", {"read_customers", "write_customers"}),
        ("write_customers_extra", {"read_customers", "write_customers"}),
    ],
)
def test_scopes_missing(granted, missing):
    assert scopes_missing(granted, ["read_customers", "write_customers"]) == missing
