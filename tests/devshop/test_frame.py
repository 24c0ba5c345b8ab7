"""devshop's embedded admin: the framed App URL, the session-token endpoint, App Bridge."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
from django.test import Client

from devshop import clock, conf, signing
from devshop.models import DevStaffMember
from shopify_app import session_tokens, signatures
from tests.devshop.conftest import SHOP, dev_owner_create, dev_shop_create

FRAME = f"/devshop/admin/{SHOP}/apps/loyalty"


@pytest.fixture
def dev_shop(db):
    shop = dev_shop_create()
    dev_owner_create(shop)
    DevStaffMember.objects.create(
        id=110_000_000_002, shop=shop, first_name="Sam", last_name="Staff", email="s@example.com"
    )
    return shop


def iframe_src(html: str) -> str:
    [src] = re.findall(r'<iframe id="app-iframe"[^>]* src="([^"]+)"', html)
    return unescape(src)


def frame_config(html: str) -> dict:
    [raw] = re.findall(
        r'<script id="devshop-frame-config" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(raw)


def test_frame_loads_the_app_url_with_shopifys_signed_embedded_params(client, dev_shop):
    response = client.get(FRAME)
    assert response.status_code == 200
    src = iframe_src(response.content.decode())
    parts = urlsplit(src)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{conf.app_url()}/"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    params = dict(pairs)
    assert params["embedded"] == "1"
    assert params["shop"] == SHOP
    assert params["host"] == signing.host_param(SHOP)
    assert signatures.host_decode(params["host"]) == "admin.shopify.com/store/alice-shop"
    assert params["locale"] == "en"
    # The app's own verifiers accept both the query HMAC and the id_token.
    assert signatures.oauth_query_verify({k: [v] for k, v in pairs}).valid
    token = session_tokens.decode(params["id_token"])
    assert token.shop == SHOP
    assert token.user_id == "110000000001"


def test_frame_acts_as_the_chosen_staff_member(client, dev_shop):
    src = iframe_src(client.get(FRAME, {"user": 110_000_000_002}).content.decode())
    claims = jwt.decode(
        dict(parse_qsl(urlsplit(src).query))["id_token"], options={"verify_signature": False}
    )
    assert claims["sub"] == "110000000002"


@pytest.mark.parametrize(
    "path",
    [
        "/devshop/admin/nobody.myshopify.com/apps/loyalty",
        f"/devshop/admin/{SHOP}/apps/another-app",
        f"{FRAME}?user=999",
        f"{FRAME}?user=abc",
    ],
)
def test_unknown_shop_app_or_staff_is_404(client, dev_shop, path):
    assert client.get(path).status_code == 404


def test_frame_config_lets_the_admin_answer_app_bridge(client, dev_shop):
    config = frame_config(client.get(FRAME).content.decode())
    assert config["appOrigin"] == "http://testserver"
    assert config["tokenUrl"] == f"/devshop/admin/{SHOP}/id-token"
    assert config["userId"] == 110_000_000_001
    [extension] = config["extensions"]
    assert extension["handle"] == "loyalty-launcher"
    assert extension["type"] == "theme_app_extension"
    assert extension["activations"][0]["target"] == "body"


def test_id_token_endpoint_mints_a_token_the_app_accepts(client, dev_shop):
    response = client.post(
        f"/devshop/admin/{SHOP}/id-token",
        {"user_id": 110_000_000_002},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["id_token"]
    claims = jwt.decode(
        token, conf.client_secret(), algorithms=["HS256"], audience=conf.client_id()
    )
    assert claims["dest"] == f"https://{SHOP}"
    assert claims["iss"] == f"https://{SHOP}/admin"
    assert claims["sub"] == "110000000002"
    assert claims["exp"] - claims["nbf"] == 60
    assert session_tokens.decode(token).shop == SHOP


def test_id_token_defaults_to_the_account_owner(client, dev_shop):
    token = client.post(
        f"/devshop/admin/{SHOP}/id-token", {}, content_type="application/json"
    ).json()["id_token"]
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == "110000000001"


def test_id_token_follows_devshops_clock(client, dev_shop):
    clock.advance(3600)
    try:
        token = client.post(
            f"/devshop/admin/{SHOP}/id-token", {}, content_type="application/json"
        ).json()["id_token"]
        iat = jwt.decode(token, options={"verify_signature": False})["iat"]
        assert iat == pytest.approx(clock.now().timestamp(), abs=5)
    finally:
        clock.reset()


def test_id_token_needs_csrf(dev_shop):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"/devshop/admin/{SHOP}/id-token", {}, content_type="application/json")
    assert response.status_code == 403


@pytest.mark.parametrize("body", ["[1]", "not json"])
def test_id_token_rejects_a_malformed_body(client, dev_shop, body):
    response = client.post(f"/devshop/admin/{SHOP}/id-token", body, content_type="application/json")
    assert response.status_code == 400


def test_id_token_for_another_shops_staff_is_404(client, dev_shop):
    other = dev_shop_create(
        id=60_000_000_002, domain="charlie-shop.myshopify.com", name="C", email="c@example.com"
    )
    DevStaffMember.objects.create(
        id=110_000_000_009, shop=other, first_name="C", last_name="C", email="c@example.com"
    )
    response = client.post(
        f"/devshop/admin/{SHOP}/id-token",
        {"user_id": 110_000_000_009},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_the_admin_url_host_names_redirects_into_the_frame(client, dev_shop):
    host = signatures.host_decode(signing.host_param(SHOP))
    response = client.get(f"/devshop/{host}/apps/{conf.client_id()}")
    assert response.status_code == 302
    assert response["Location"] == FRAME


def test_app_bridge_stand_in_is_served(client, db):
    response = client.get("/devshop/app-bridge.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    script = response.content.decode()
    for api in (
        "idToken",
        "toast",
        "window.fetch",
        "X-Shopify-Retry-Invalid-Session-Request",
        "shopify-reload",
    ):
        assert api in script
