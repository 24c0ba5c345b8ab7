"""shopify_app.session_tokens: App Bridge ID tokens, checked as Shopify's libraries check them.

Tokens are minted by devshop's signer (an independent implementation) or, for forgeries, by
PyJWT directly. Expiry is tested with an explicit ``now``, never the wall clock; the ShopifyAPI
cross-check mints fresh tokens because that library reads the clock itself.
"""

from __future__ import annotations

import time

import jwt
import pytest
import shopify.session_token
from django.conf import settings

from devshop import signing as devshop_signing
from shopify_app.exceptions import InvalidSessionToken
from shopify_app.session_tokens import decode, decode_from_header

# The development secret is shorter than PyJWT's recommended 32 bytes; that is not under test.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

NOW = 1_800_000_000
SHOP = "alice-shop.myshopify.com"


def _devshop_token(**kwargs) -> str:
    params = {
        "shop": SHOP,
        "client_id": settings.SHOPIFY_API_KEY,
        "secret": settings.SHOPIFY_API_SECRET,
        "user_id": 42,
        "now": NOW,
    }
    return devshop_signing.session_token(**(params | kwargs))


def _claims(**changes) -> dict:
    claims = {
        "iss": f"https://{SHOP}/admin",
        "dest": f"https://{SHOP}",
        "aud": settings.SHOPIFY_API_KEY,
        "sub": "42",
        "exp": NOW + 60,
        "nbf": NOW,
        "iat": NOW,
        "jti": "0f6c4d5e-7e4a-4f0e-9a7c-1b2c3d4e5f60",
        "sid": "a1b2c3",
    }
    for key, value in changes.items():
        if value is None:
            claims.pop(key)
        else:
            claims[key] = value
    return claims


def _token(claims: dict, *, secret: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret or settings.SHOPIFY_API_SECRET, algorithm=algorithm)


def test_devshop_token_decodes_to_shop_and_user():
    token = _devshop_token()
    session = decode(token, now=NOW)
    assert (session.shop, session.user_id) == (SHOP, "42")
    assert session.raw == token
    assert token not in repr(session)


def test_decode_from_bearer_header():
    assert decode_from_header(f"Bearer {_devshop_token()}", now=NOW).shop == SHOP


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic abc", "bearer x"])
def test_decode_from_header_without_bearer_token(header):
    with pytest.raises(InvalidSessionToken):
        decode_from_header(header, now=NOW)


def test_leeway_is_ten_seconds():
    # An nbf slightly ahead of our clock (as App Bridge issues) and a just-expired exp pass.
    assert decode(_devshop_token(nbf_skew=10), now=NOW).shop == SHOP
    assert decode(_token(_claims(exp=NOW - 9)), now=NOW).shop == SHOP


def test_expired_beyond_leeway_is_refused_with_its_own_code():
    with pytest.raises(InvalidSessionToken) as caught:
        decode(_devshop_token(), now=NOW + 60 + 10)
    assert caught.value.code == "session_token_expired"


def test_not_yet_valid_beyond_leeway_is_refused():
    with pytest.raises(InvalidSessionToken):
        decode(_devshop_token(nbf_skew=11), now=NOW)


FORGED = [
    ("wrong secret", _token(_claims(), secret="not-the-secret")),
    ("alg none", jwt.encode(_claims(), None, algorithm="none")),
    ("HS512", _token(_claims(), algorithm="HS512")),
    ("wrong audience", _token(_claims(aud="another-app"))),
    ("audience missing", _token(_claims(aud=None))),
    ("iss missing", _token(_claims(iss=None))),
    ("dest missing", _token(_claims(dest=None))),
    ("sub missing", _token(_claims(sub=None))),
    ("jti missing", _token(_claims(jti=None))),
    ("sid missing", _token(_claims(sid=None))),
    ("exp missing", _token(_claims(exp=None))),
    ("nbf missing", _token(_claims(nbf=None))),
    ("iss not /admin", _token(_claims(iss=f"https://{SHOP}/"))),
    ("iss other shop", _token(_claims(iss="https://charlie-shop.myshopify.com/admin"))),
    ("dest other shop", _token(_claims(dest="https://charlie-shop.myshopify.com"))),
    ("dest not a shop", _token(_claims(iss="https://evil.example/admin", dest="https://evil.example"))),
    ("dest suffix trick", _token(_claims(iss=f"https://{SHOP}.evil.example/admin", dest=f"https://{SHOP}.evil.example"))),
    ("dest http", _token(_claims(iss=f"http://{SHOP}/admin", dest=f"http://{SHOP}"))),
    ("dest userinfo", _token(_claims(iss=f"https://{SHOP}@evil.example/admin", dest=f"https://{SHOP}@evil.example"))),
    ("dest port", _token(_claims(iss=f"https://{SHOP}:444/admin", dest=f"https://{SHOP}:444"))),
    ("dest not a string", _token(_claims(dest=123))),
    ("garbage", "not.a.jwt"),
    ("empty", ""),
    ("tampered signature", _devshop_token()[:-4] + "AAAA"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "token"), FORGED, ids=[c[0] for c in FORGED])
def test_forged_tokens_are_refused(case, token):
    with pytest.raises(InvalidSessionToken):
        decode(token, now=NOW)


# --- Cross-check with ShopifyAPI's decode_from_header (it reads the wall clock) ---------------


def _fresh(**changes) -> str:
    now = int(time.time())
    claims = _claims(exp=now + 60, nbf=now, iat=now)
    claims.update({k: v for k, v in changes.items() if v is not None})
    for k in [k for k, v in changes.items() if v is None]:
        claims.pop(k)
    return _token(claims)


def _shopifyapi(token: str):
    return shopify.session_token.decode_from_header(
        f"Bearer {token}", settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET
    )


def test_shopifyapi_agrees_on_a_valid_token():
    token = _fresh()
    assert _shopifyapi(token)["dest"] == f"https://{SHOP}"
    assert decode_from_header(f"Bearer {token}").shop == SHOP


@pytest.mark.parametrize(
    "changes",
    [
        {"aud": "another-app"},
        {"sid": None},
        {"jti": None},
        {"iss": "https://charlie-shop.myshopify.com/admin"},
        {"iss": "https://evil.example/admin", "dest": "https://evil.example"},
    ],
    ids=["audience", "sid", "jti", "iss-dest mismatch", "not a shop"],
)
def test_shopifyapi_agrees_on_refusals(changes):
    token = _fresh(**changes)
    with pytest.raises(shopify.session_token.SessionTokenError):
        _shopifyapi(token)
    with pytest.raises(InvalidSessionToken):
        decode_from_header(f"Bearer {token}")


def test_verdicts_agree_with_shopify_js():
    """Shopify's own decodeSessionToken (tests/crosscheck/check.mjs) and ours, token by token."""
    from tests.shopify_app.test_signatures import _shopify_js

    tokens = {
        "valid": _fresh(),
        "audience": _fresh(aud="another-app"),
        "expired": _fresh(exp=int(time.time()) - 60),
        "future nbf": _fresh(nbf=int(time.time()) + 60),
        "wrong secret": _token(_claims(exp=int(time.time()) + 60), secret="not-the-secret"),
        "HS512": _token(_claims(exp=int(time.time()) + 60), algorithm="HS512"),
    }
    cases = [
        {
            "id": name,
            "kind": "session_token",
            "apiKey": settings.SHOPIFY_API_KEY,
            "secret": settings.SHOPIFY_API_SECRET,
            "token": token,
        }
        for name, token in tokens.items()
    ]
    js = _shopify_js(cases)
    for name, token in tokens.items():
        try:
            decode(token)
            ours = True
        except InvalidSessionToken:
            ours = False
        assert ours == js[name]["valid"], name
    assert js["valid"]["payload"]["dest"] == f"https://{SHOP}"
