"""OAuth as Shopify runs it: consent, code grant, token exchange, refresh, expiry, migration."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from devshop import clock, conf, signing
from devshop.models import DevAccessToken
from devshop.services import shops, tokens

SHOP = "oauth-shop.myshopify.com"
TOKEN_URL = f"/store/{SHOP}/admin/oauth/access_token"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token"
ONLINE = "urn:shopify:params:oauth:token-type:online-access-token"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


@pytest.fixture
def dev_shop(db):
    return shops.shop_create(domain=SHOP)


@pytest.fixture
def client():
    return Client()


def _credentials():
    return {"client_id": conf.client_id(), "client_secret": conf.client_secret()}


def _authorize(client, **extra):
    params = {
        "client_id": conf.client_id(),
        "scope": "read_customers,write_discounts",
        "redirect_uri": f"{conf.app_url()}/auth/callback",
        "state": "nonce-123",
        **extra,
    }
    return client.post(
        f"/store/{SHOP}/admin/oauth/authorize?" + "&".join(f"{k}={v}" for k, v in params.items()),
        {"decision": "approve"},
    )


def test_consent_page_lists_the_scopes(client, dev_shop):
    response = client.get(
        f"/store/{SHOP}/admin/oauth/authorize",
        {
            "client_id": conf.client_id(),
            "scope": "read_customers,write_discounts",
            "redirect_uri": f"{conf.app_url()}/auth/callback",
            "state": "s",
        },
    )

    assert response.status_code == 200
    assert b"read_customers" in response.content and b"Install" in response.content


def test_unknown_redirect_uri_is_refused(client, dev_shop):
    response = client.get(
        f"/store/{SHOP}/admin/oauth/authorize",
        {"client_id": conf.client_id(), "redirect_uri": "https://evil.example/cb"},
    )

    assert response.status_code == 400
    assert b"redirect_uri is not whitelisted" in response.content


def test_approval_redirects_with_a_signed_query(client, dev_shop):
    response = _authorize(client)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    params = dict(parse_qsl(location.query))
    assert (
        f"{location.scheme}://{location.netloc}{location.path}" == f"{conf.app_url()}/auth/callback"
    )
    assert [k for k, _ in parse_qsl(location.query)] == [
        "code",
        "hmac",
        "host",
        "shop",
        "state",
        "timestamp",
    ]
    assert params["shop"] == SHOP and params["state"] == "nonce-123"
    assert params["hmac"] == signing.oauth_query_hmac(params, conf.client_secret())
    assert not params["host"].endswith("=")
    padded = params["host"] + "=" * (-len(params["host"]) % 4)
    assert base64.b64decode(padded).decode() == "admin.shopify.com/store/oauth-shop"


def test_code_grant_form_encoded_gives_an_expiring_token(client, dev_shop):
    code = dict(parse_qsl(urlsplit(_authorize(client)["Location"]).query))["code"]

    response = client.post(TOKEN_URL, {**_credentials(), "code": code, "expiring": "1"})

    body = response.json()
    assert response.status_code == 200
    assert body["scope"] == "read_customers,write_discounts"
    assert body["expires_in"] == 3600
    assert body["refresh_token"].startswith("shprt_")
    assert body["refresh_token_expires_in"] == 7776000


def test_code_grant_json_non_expiring_and_code_is_single_use(client, dev_shop):
    code = dict(parse_qsl(urlsplit(_authorize(client)["Location"]).query))["code"]

    first = client.post(
        TOKEN_URL, {**_credentials(), "code": code}, content_type="application/json"
    )
    second = client.post(
        TOKEN_URL, {**_credentials(), "code": code}, content_type="application/json"
    )

    assert set(first.json()) == {"access_token", "scope"}
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_request"


def test_wrong_client_secret_is_refused(client, dev_shop):
    code = dict(parse_qsl(urlsplit(_authorize(client)["Location"]).query))["code"]

    response = client.post(
        TOKEN_URL, {"client_id": conf.client_id(), "client_secret": "x", "code": code}
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def test_online_code_grant_has_the_associated_user(client, dev_shop):
    code = dict(
        parse_qsl(urlsplit(_authorize(client, **{"grant_options[]": "per-user"})["Location"]).query)
    )["code"]

    body = client.post(TOKEN_URL, {**_credentials(), "code": code}).json()

    assert body["access_token"].startswith("shpua_")
    assert body["expires_in"] == 86399
    assert body["associated_user"]["account_owner"] is True
    assert body["associated_user_scope"] == "read_customers,write_discounts"


def _session_token(shop=SHOP, secret=None, **kwargs):
    owner = shops.shop_owner(shop=shops.shop_create(domain=shop))
    return signing.session_token(
        shop=shop,
        client_id=conf.client_id(),
        secret=secret or conf.client_secret(),
        user_id=owner.id,
        now=int(clock.now().timestamp()),
        **kwargs,
    )


def test_token_exchange_installs_and_returns_an_expiring_offline_token(client, dev_shop):
    body = client.post(
        TOKEN_URL,
        {
            **_credentials(),
            "grant_type": EXCHANGE,
            "subject_token": _session_token(),
            "subject_token_type": ID_TOKEN,
            "requested_token_type": OFFLINE,
            "expiring": "1",
        },
        content_type="application/json",
    ).json()

    assert body["expires_in"] == 3600 and body["refresh_token"].startswith("shprt_")
    assert body["scope"] == ",".join(conf.app_scopes())


def test_token_exchange_online(client, dev_shop):
    body = client.post(
        TOKEN_URL,
        {
            **_credentials(),
            "grant_type": EXCHANGE,
            "subject_token": _session_token(),
            "subject_token_type": ID_TOKEN,
            "requested_token_type": ONLINE,
        },
    ).json()

    assert body["access_token"].startswith("shpua_") and "associated_user" in body


@pytest.mark.parametrize(
    "token_kwargs",
    [
        {"secret": "another-secret"},
        {"shop": "other-shop.myshopify.com"},
        {"lifetime": -60},  # expired beyond the 10 s leeway
        {"nbf_skew": 30},  # not valid yet beyond the leeway
    ],
    ids=["bad-signature", "other-shop", "expired", "not-yet-valid"],
)
def test_token_exchange_rejects_bad_session_tokens(client, dev_shop, token_kwargs):
    response = client.post(
        TOKEN_URL,
        {
            **_credentials(),
            "grant_type": EXCHANGE,
            "subject_token": _session_token(**token_kwargs),
            "subject_token_type": ID_TOKEN,
        },
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_subject_token"


def test_token_exchange_allows_ten_seconds_of_skew(client, dev_shop):
    response = client.post(
        TOKEN_URL,
        {
            **_credentials(),
            "grant_type": EXCHANGE,
            "subject_token": _session_token(nbf_skew=8),
            "subject_token_type": ID_TOKEN,
        },
    )

    assert response.status_code == 200


def _expiring(client):
    return client.post(
        TOKEN_URL,
        {
            **_credentials(),
            "grant_type": EXCHANGE,
            "subject_token": _session_token(),
            "subject_token_type": ID_TOKEN,
            "expiring": "1",
        },
    ).json()


def _graphql(client, token):
    return client.post(
        f"/store/{SHOP}/admin/api/2026-07/graphql.json",
        {"query": "{ shop { name } }"},
        content_type="application/json",
        headers={"X-Shopify-Access-Token": token},
    )


def test_access_token_expires_after_an_hour_on_the_moved_clock(client, dev_shop):
    token = _expiring(client)["access_token"]
    assert _graphql(client, token).status_code == 200

    clock.advance(3600)

    assert _graphql(client, token).status_code == 401


def test_refresh_rotates_both_tokens(client, dev_shop):
    first = _expiring(client)
    clock.advance(3700)

    refreshed = client.post(
        TOKEN_URL,
        {**_credentials(), "grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    ).json()

    assert refreshed["access_token"] != first["access_token"]
    assert refreshed["refresh_token"] != first["refresh_token"]
    assert refreshed["expires_in"] == 3600 and refreshed["refresh_token_expires_in"] == 7776000
    assert _graphql(client, refreshed["access_token"]).status_code == 200


def test_lost_refresh_response_old_refresh_token_works_until_the_new_one_is_used(client, dev_shop):
    first = _expiring(client)
    refresh = {
        **_credentials(),
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
    }

    lost = client.post(TOKEN_URL, refresh).json()  # the app never saw this answer
    retried = client.post(TOKEN_URL, refresh)
    assert retried.status_code == 200
    # The lost pair was retired by the retry: one current expiring token per app and store.
    lost_refresh = client.post(TOKEN_URL, {**refresh, "refresh_token": lost["refresh_token"]})
    assert lost_refresh.status_code == 400

    assert _graphql(client, retried.json()["access_token"]).status_code == 200
    after_use = client.post(TOKEN_URL, refresh)
    assert after_use.status_code == 400
    assert after_use.json()["error"] == "invalid_grant"


def test_expired_refresh_token_is_refused(client, dev_shop):
    first = _expiring(client)
    clock.advance(90 * 24 * 3600)

    response = client.post(
        TOKEN_URL,
        {**_credentials(), "grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "The refresh token has expired.",
    }


def test_a_new_expiring_token_kills_the_older_refresh_token(client, dev_shop):
    first = _expiring(client)
    second = _expiring(client)

    old = client.post(
        TOKEN_URL,
        {**_credentials(), "grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    )

    assert old.status_code == 400
    # ...while the old access token lives out its hour.
    assert _graphql(client, first["access_token"]).status_code == 200
    assert second["refresh_token"] != first["refresh_token"]


def test_migrating_a_non_expiring_token_revokes_it(client, dev_shop):
    legacy = tokens.access_token_create(shop=dev_shop).token

    response = client.post(
        TOKEN_URL,
        {
            **_credentials(),
            "grant_type": EXCHANGE,
            "subject_token": legacy,
            "subject_token_type": OFFLINE,
            "requested_token_type": OFFLINE,
            "expiring": "1",
        },
    )

    assert response.status_code == 200
    assert response.json()["refresh_token"].startswith("shprt_")
    assert _graphql(client, legacy).status_code == 401
    assert DevAccessToken.objects.get(token=legacy).revoked_at is not None


def test_uninstall_revokes_tokens(client, dev_shop):
    token = tokens.access_token_create(shop=dev_shop).token

    shops.app_uninstall(shop=dev_shop)

    assert _graphql(client, token).status_code == 401
