"""devshop's signatures and tokens verify with Shopify's own libraries.

``@shopify/shopify-api`` (npm, run by node through tests/crosscheck/check.mjs) judges every
case devshop produces, and correctly forged variants must be rejected by it. The ShopifyAPI
Python package checks session tokens and, where its encoding agrees with the JS/Ruby libraries
(no reserved characters in values; shopify-platform.md §1), OAuth query HMACs.

node and ``tests/crosscheck/node_modules`` (``npm ci``, part of ``make test``) are required:
without them this module fails, it never skips.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import shopify
from django.conf import settings
from shopify import session_token as shopify_session_token

from devshop import clock, conf, signing
from devshop.frame.views import embedded_app_src
from devshop.proxy import signed_proxy_params
from devshop.webhooks.delivery import headers_for
from devshop.webhooks.models import DevWebhookDelivery

CROSSCHECK = Path(settings.BASE_DIR) / "tests" / "crosscheck"
SHOP = "alice-shop.myshopify.com"
# A realistic secret (32 bytes) so PyJWT does not warn; the app's own is used where it matters.
SECRET = "shpss_0123456789abcdef0123456789ab"
API_KEY = "devshop-crosscheck-client-id"


def run_node(cases: list[dict]) -> dict[str, dict]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the @shopify/shopify-api cross-check needs Node 20+")
    if not (CROSSCHECK / "node_modules" / "@shopify" / "shopify-api").is_dir():
        pytest.fail("run `npm ci` in tests/crosscheck (make test does) before this cross-check")
    result = subprocess.run(
        [node, "check.mjs"],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        cwd=CROSSCHECK,
        timeout=60,
    )
    if result.returncode != 0:
        pytest.fail(f"check.mjs failed: {result.stderr}")
    answers = {answer["id"]: answer for answer in json.loads(result.stdout)}
    assert set(answers) == {case["id"] for case in cases}
    return answers


def now() -> int:
    return int(clock.now().timestamp())


def oauth_case(
    case_id: str, params: dict[str, str], *, secret: str = SECRET, sign_with: str | None = None
):
    query = {**params, "hmac": signing.oauth_query_hmac(params, sign_with or secret)}
    return {
        "id": case_id,
        "kind": "oauth_query",
        "apiKey": API_KEY,
        "secret": secret,
        "query": query,
    }


def proxy_case(case_id: str, pairs: list[tuple[str, str]], *, secret: str = SECRET):
    query: dict[str, list[str]] = {}
    for key, value in pairs:
        query.setdefault(key, []).append(value)
    flat = {k: v[0] if len(v) == 1 else v for k, v in query.items()}
    return {"id": case_id, "kind": "app_proxy", "apiKey": API_KEY, "secret": secret, "query": flat}


def webhook_case(case_id: str, body: bytes, headers: dict[str, str]):
    return {
        "id": case_id,
        "kind": "webhook",
        "apiKey": API_KEY,
        "secret": conf.client_secret(),
        "headers": headers,
        "body": body.decode(),
    }


def token_case(case_id: str, token: str, *, api_key: str = API_KEY, secret: str = SECRET):
    return {
        "id": case_id,
        "kind": "session_token",
        "apiKey": api_key,
        "secret": secret,
        "token": token,
    }


def token(**overrides) -> str:
    fields = dict(shop=SHOP, client_id=API_KEY, secret=SECRET, user_id=110_000_000_001, now=now())
    return signing.session_token(**{**fields, **overrides})


def delivery_row(body: bytes) -> DevWebhookDelivery:
    return DevWebhookDelivery(
        webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        event_id="ad2c1c09-4d1f-4e2b-8a3e-0c3b5b3a7f11",
        shop_domain=SHOP,
        topic="orders/paid",
        api_version="2026-07",
        url="https://app.example.com/webhooks",
        subscription_name="loyalty",
        body=body,
        triggered_at=datetime(2026, 7, 15, 14, 30, tzinfo=UTC),
    )


def base_oauth_params() -> dict[str, str]:
    return {
        "code": "0907a61c0c8d55e99db179b68161bc00",
        "host": signing.host_param(SHOP),
        "shop": SHOP,
        "state": "3f1a1c9e6f0b4c2d8e7a5b4c3d2e1f00",
        "timestamp": str(now()),
    }


@pytest.fixture(scope="module")
def verdicts(django_db_blocker) -> dict[str, dict]:
    """Every case, judged by @shopify/shopify-api in one node run."""
    proxy_pairs = signed_proxy_params(
        [("extra", "1"), ("extra", "2"), ("q", "café au lait")],
        shop_domain=SHOP,
        customer_id=7_300_000_000_001,
        path_prefix="/apps/rewards",
    )
    proxy_pairs = [
        (k, signing.app_proxy_signature(proxy_pairs, SECRET) if k == "signature" else v)
        for k, v in proxy_pairs
    ]
    body = json.dumps(
        {"id": 1, "note": "café ☕", "admin_graphql_api_id": "gid://shopify/Order/1"},
        ensure_ascii=False,
    ).encode()
    headers = headers_for(delivery_row(body))
    tampered_body = body.replace(b'"id": 1', b'"id": 2')
    assert tampered_body != body
    with django_db_blocker.unblock():
        frame_query = urlsplit(embedded_app_src(SHOP, 110_000_000_001)).query
    cases = [
        oauth_case("oauth", base_oauth_params()),
        oauth_case("oauth-reserved-chars", {**base_oauth_params(), "state": "a b~*/+=&?é"}),
        oauth_case("oauth-wrong-secret", base_oauth_params(), sign_with=SECRET + "x"),
        oauth_case("oauth-stale", {**base_oauth_params(), "timestamp": str(now() - 600)}),
        {
            **oauth_case("oauth-tampered", base_oauth_params()),
            "query": {
                **oauth_case("oauth-tampered", base_oauth_params())["query"],
                "shop": "mallory.myshopify.com",
            },
        },
        {
            "id": "frame-src",
            "kind": "oauth_query",
            "apiKey": conf.client_id(),
            "secret": conf.client_secret(),
            "query": dict(parse_qsl(frame_query)),
        },
        proxy_case("proxy", proxy_pairs),
        proxy_case(
            "proxy-anonymous",
            signed_proxy_params(
                [], shop_domain=SHOP, customer_id=None, path_prefix="/apps/rewards"
            ),
            secret=conf.client_secret(),
        ),
        proxy_case(
            "proxy-tampered",
            [(k, "7300000000999" if k == "logged_in_customer_id" else v) for k, v in proxy_pairs],
        ),
        webhook_case("webhook", body, headers),
        webhook_case("webhook-tampered-body", tampered_body, headers),
        webhook_case(
            "webhook-missing-id",
            body,
            {k: v for k, v in headers.items() if k != "X-Shopify-Webhook-Id"},
        ),
        token_case("token", token()),
        token_case("token-nbf-skew", token(nbf_skew=5)),
        token_case("token-wrong-secret", token(secret=SECRET + "x")),
        token_case("token-expired", token(now=now() - 120)),
        token_case("token-other-app", token(), api_key="another-app"),
    ]
    return run_node(cases)


@pytest.mark.parametrize("case_id", ["oauth", "oauth-reserved-chars", "frame-src"])
def test_oauth_query_hmac_verifies_with_shopify_api(verdicts, case_id):
    assert verdicts[case_id]["valid"] is True, verdicts[case_id]


@pytest.mark.parametrize("case_id", ["oauth-wrong-secret", "oauth-stale", "oauth-tampered"])
def test_forged_oauth_queries_fail_with_shopify_api(verdicts, case_id):
    assert verdicts[case_id]["valid"] is False


@pytest.mark.parametrize("case_id", ["proxy", "proxy-anonymous"])
def test_app_proxy_signature_verifies_with_shopify_api(verdicts, case_id):
    assert verdicts[case_id]["valid"] is True, verdicts[case_id]


def test_tampered_app_proxy_query_fails_with_shopify_api(verdicts):
    assert verdicts["proxy-tampered"]["valid"] is False


def test_webhook_verifies_with_shopify_api(verdicts):
    verdict = verdicts["webhook"]
    assert verdict["valid"] is True, verdict
    assert verdict["payload"] == {
        "topic": "ORDERS_PAID",
        "domain": SHOP,
        "webhookId": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    }


def test_forged_webhooks_fail_with_shopify_api(verdicts):
    assert verdicts["webhook-tampered-body"] == {
        "id": "webhook-tampered-body",
        "valid": False,
        "reason": "invalid_hmac",
    }
    assert verdicts["webhook-missing-id"]["valid"] is False
    assert verdicts["webhook-missing-id"]["reason"] == "missing_headers"


@pytest.mark.parametrize("case_id", ["token", "token-nbf-skew"])
def test_session_token_decodes_with_shopify_api(verdicts, case_id):
    verdict = verdicts[case_id]
    assert verdict["valid"] is True, verdict
    assert verdict["payload"]["dest"] == f"https://{SHOP}"
    assert verdict["payload"]["sub"] == "110000000001"


@pytest.mark.parametrize("case_id", ["token-wrong-secret", "token-expired", "token-other-app"])
def test_forged_session_tokens_fail_with_shopify_api(verdicts, case_id):
    assert verdicts[case_id]["valid"] is False


# --- the ShopifyAPI Python package ------------------------------------------------------------


@pytest.fixture
def python_shopify():
    saved = (shopify.Session.api_key, shopify.Session.secret)
    shopify.Session.setup(api_key=API_KEY, secret=SECRET)
    yield shopify
    shopify.Session.api_key, shopify.Session.secret = saved


def test_session_token_decodes_with_shopifyapi_python(python_shopify):
    claims = shopify_session_token.decode_from_header(f"Bearer {token()}", API_KEY, SECRET)
    assert claims["dest"] == f"https://{SHOP}"
    assert claims["aud"] == API_KEY


@pytest.mark.parametrize(
    "forged",
    [
        lambda: token(secret=SECRET + "x"),
        lambda: token(now=now() - 120),
        lambda: token(client_id="another-app"),
    ],
)
def test_forged_session_tokens_fail_with_shopifyapi_python(python_shopify, forged):
    with pytest.raises(shopify_session_token.SessionTokenError):
        shopify_session_token.decode_from_header(f"Bearer {forged()}", API_KEY, SECRET)


def test_oauth_query_hmac_agrees_with_shopifyapi_python_without_reserved_characters(python_shopify):
    params = base_oauth_params()
    signed = {**params, "hmac": signing.oauth_query_hmac(params, SECRET)}
    assert python_shopify.Session.calculate_hmac(params) == signed["hmac"]
    assert python_shopify.Session.validate_params(signed)
    assert not python_shopify.Session.validate_hmac({**signed, "shop": "mallory.myshopify.com"})


def test_shopifyapi_python_differs_once_a_value_holds_reserved_characters(python_shopify):
    # ShopifyAPI signs decoded values; the JS/Ruby libraries (and devshop) form-encode them.
    params = {**base_oauth_params(), "host": "YS9i+c2hvcA=="}
    assert python_shopify.Session.calculate_hmac(params) != signing.oauth_query_hmac(params, SECRET)
