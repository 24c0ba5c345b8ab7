"""devshop's signatures reproduce Shopify's published vectors (shopify-platform.md §1, §3, §7)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import jwt
import pytest

from devshop import signing

# Long enough for PyJWT not to warn about a short HMAC key.
SECRET = "devshop-test-client-secret-32-bytes"

OAUTH_PARAMS = {
    "code": "0907a61c0c8d55e99db179b68161bc00",
    "shop": "some-shop.myshopify.com",
    "timestamp": "1337178173",
}


def test_oauth_query_hmac_reproduces_the_published_vector():
    assert (
        signing.oauth_query_hmac(OAUTH_PARAMS, "hush")
        == "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20"
    )


def test_oauth_query_hmac_with_state_reproduces_the_published_vector():
    params = {**OAUTH_PARAMS, "state": "0.6784241404160823"}
    assert (
        signing.oauth_query_hmac(params, "hush")
        == "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf"
    )


def test_oauth_query_hmac_ignores_hmac_and_signature_and_order():
    pairs = [("timestamp", "1337178173"), ("hmac", "x"), ("signature", "y")]
    pairs += [("shop", "some-shop.myshopify.com"), ("code", "0907a61c0c8d55e99db179b68161bc00")]
    assert signing.oauth_query_hmac(pairs, "hush") == signing.oauth_query_hmac(OAUTH_PARAMS, "hush")


def test_oauth_query_hmac_form_encodes_values_as_shopify_api_does():
    # host is base64 and may hold '/', '+' and '='. @shopify/shopify-api builds the message
    # with URLSearchParams: space -> '+', '~' -> %7E, '*' literal (cross-checked with node in
    # test_crosscheck_shopify_api.py).
    params = {"host": "a/b+c=", "shop": "s.myshopify.com", "note": "a b&c~*"}
    message = "host=a%2Fb%2Bc%3D&note=a+b%26c%7E*&shop=s.myshopify.com"
    expected = hmac.new(b"hush", message.encode(), hashlib.sha256).hexdigest()
    assert signing.oauth_query_hmac(params, "hush") == expected


def test_signed_query_round_trips():
    query = signing.signed_query({"shop": "s.myshopify.com", "host": "YS9i+c"}, "hush")
    params = dict(parse_qsl(query))
    assert params["host"] == "YS9i+c"
    assert params["hmac"] == signing.oauth_query_hmac(params, "hush")


def test_webhook_hmac_is_base64_of_hmac_over_raw_bytes():
    body = b'{"id":1,"note":"caf\xc3\xa9"}'
    expected = base64.b64encode(hmac.new(b"hush", body, hashlib.sha256).digest()).decode()
    assert signing.webhook_hmac(body, "hush") == expected
    assert signing.webhook_hmac(body + b" ", "hush") != expected


PROXY_QUERY = (
    "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1"
    "&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555"
    "&signature=4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb"
)


def test_app_proxy_signature_reproduces_the_published_vector_from_pairs():
    assert (
        signing.app_proxy_signature(parse_qsl(PROXY_QUERY), "hush")
        == "4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb"
    )


def test_app_proxy_signature_reproduces_the_published_vector_from_a_multidict():
    assert (
        signing.app_proxy_signature(parse_qs(PROXY_QUERY), "hush")
        == "4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb"
    )


def test_app_proxy_signature_with_anonymous_customer_reproduces_the_published_vector():
    query = PROXY_QUERY.replace("logged_in_customer_id=1", "logged_in_customer_id=")
    assert (
        signing.app_proxy_signature(parse_qsl(query, keep_blank_values=True), "hush")
        == "e072b6d7e6622d85912a5214b860d3100dc1e73d9bc29f43796ac8c9ff8093cb"
    )


def test_session_token_has_shopifys_claims_and_verifies():
    token = signing.session_token(
        shop="alice-shop.myshopify.com",
        client_id="cid",
        secret=SECRET,
        user_id=42,
        now=1_700_000_000,
    )
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(
        token,
        SECRET,
        algorithms=["HS256"],
        audience="cid",
        options={"verify_exp": False, "verify_nbf": False},
    )
    assert claims["iss"] == "https://alice-shop.myshopify.com/admin"
    assert claims["dest"] == "https://alice-shop.myshopify.com"
    assert claims["sub"] == "42"
    assert claims["exp"] - claims["iat"] == 60
    assert claims["nbf"] == claims["iat"] == 1_700_000_000
    assert len(claims["jti"]) == 36
    assert claims["sid"]


def test_session_tokens_get_fresh_jtis_and_a_stable_sid():
    kwargs: dict[str, Any] = dict(
        shop="a.myshopify.com", client_id="c", secret=SECRET, user_id=1, now=10
    )
    one, two = (
        jwt.decode(signing.session_token(**kwargs), options={"verify_signature": False})
        for _ in range(2)
    )
    assert one["jti"] != two["jti"]
    assert one["sid"] == two["sid"]


def test_session_token_signed_with_another_secret_fails_verification():
    token = signing.session_token(
        shop="a.myshopify.com", client_id="c", secret=SECRET + "-other", user_id=1, now=10
    )
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, SECRET, algorithms=["HS256"], audience="c", options={"verify_exp": False})


def test_host_param_is_unpadded_base64_of_the_admin_store_path():
    host = signing.host_param("alice-shop.myshopify.com")
    assert "=" not in host
    padded = host + "=" * (-len(host) % 4)
    assert base64.b64decode(padded).decode() == "admin.shopify.com/store/alice-shop"
