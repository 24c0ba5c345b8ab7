"""Shopify's signatures, computed as Shopify computes them (shopify-platform.md §1, §3, §5, §7).

devshop *produces* these values; the app verifies them with its own code in
``shopify_app``. Keeping the two implementations separate is deliberate: a shared helper would
make a wrong algorithm agree with itself. Both are cross-checked against Shopify's published
vectors and against ``@shopify/shopify-api`` (tests/devshop/test_crosscheck_shopify_api.py).

Three signatures, three different encodings:

- OAuth / App URL query: ``key=value`` pairs, sorted by key, form-encoded and joined by
  ``&``; HMAC-SHA256, lowercase hex. The encoding is ``application/x-www-form-urlencoded`` as
  ``@shopify/shopify-api`` builds it (``URLSearchParams``) and Ruby's
  ``URI.encode_www_form`` does: only ``A-Za-z0-9*-._`` stay literal and a space becomes ``+``.
  (shopify-platform.md §1 says ``%20``; Shopify's libraries, which decide what verifies, use
  ``+``. No value Shopify sends today contains a space, so the published vectors agree.)
- Webhook: HMAC-SHA256 over the raw body bytes, base64.
- App proxy: ``key=value`` with *decoded* values, repeated values joined by ``,``, sorted,
  concatenated *without* a separator; HMAC-SHA256, lowercase hex.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Iterable, Mapping
from urllib.parse import quote_plus, urlencode

import jwt

# Parameters that carry a signature and are never part of what is signed.
_QUERY_SIGNATURE_KEYS = {"hmac", "signature"}


def _hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def oauth_query_hmac(params: Mapping[str, str] | Iterable[tuple[str, str]], secret: str) -> str:
    """The ``hmac`` of an OAuth callback or App URL query, as the JS and Ruby libraries compute it.

    ``params`` are the decoded query parameters (a mapping or ``(key, value)`` pairs); ``hmac``
    and ``signature`` are ignored.
    """
    items = params.items() if isinstance(params, Mapping) else params
    message = "&".join(
        f"{_form_encode(k)}={_form_encode(v)}"
        for k, v in sorted((k, v) for k, v in items if k not in _QUERY_SIGNATURE_KEYS)
    )
    return _hmac_sha256(secret, message.encode()).hex()


def _form_encode(value: str) -> str:
    """WHATWG form encoding: ``quote_plus`` keeps ``~`` literal, ``URLSearchParams`` does not."""
    return quote_plus(value, safe="*").replace("~", "%7E")


def signed_query(params: Mapping[str, str], secret: str) -> str:
    """``params`` plus their ``hmac``, encoded as a query string (what Shopify redirects with)."""
    signed = {**params, "hmac": oauth_query_hmac(params, secret)}
    return urlencode(signed)


def webhook_hmac(body: bytes, secret: str) -> str:
    """``X-Shopify-Hmac-Sha256``: base64 of HMAC-SHA256 over the exact bytes sent."""
    return base64.b64encode(_hmac_sha256(secret, body)).decode()


def app_proxy_signature(
    params: Mapping[str, list[str] | str] | Iterable[tuple[str, str]], secret: str
) -> str:
    """The app proxy ``signature`` over decoded query parameters (``signature`` is ignored).

    ``params`` is a mapping of key to value(s) (as ``urllib.parse.parse_qs`` returns) or
    ``(key, value)`` pairs (as ``parse_qsl`` returns); repeated keys are joined with ``,`` in
    the order given.
    """
    grouped: dict[str, list[str]] = {}
    if isinstance(params, Mapping):
        for key, value in params.items():
            values = [value] if isinstance(value, str) else list(value)
            grouped.setdefault(key, []).extend(values)
    else:
        for key, value in params:
            grouped.setdefault(key, []).append(value)
    message = "".join(sorted(f"{k}={','.join(v)}" for k, v in grouped.items() if k != "signature"))
    return _hmac_sha256(secret, message.encode()).hex()


def session_token(
    *,
    shop: str,
    client_id: str,
    secret: str,
    user_id: int | str,
    now: int,
    lifetime: int = 60,
    session_id: str | None = None,
    jti: str | None = None,
    nbf_skew: int = 0,
) -> str:
    """An App Bridge ID token (session token): an HS256 JWT signed with the client secret.

    ``now`` is epoch seconds from devshop's clock. ``nbf_skew`` moves ``nbf`` into the future
    by that many seconds, as App Bridge sometimes does (verifiers allow 10 s of leeway).
    """
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": client_id,
        "sub": str(user_id),
        "exp": now + lifetime,
        "nbf": now + nbf_skew,
        "iat": now,
        "jti": jti or str(uuid.uuid4()),
        "sid": session_id or hashlib.sha256(f"{shop}:{user_id}:{client_id}".encode()).hexdigest(),
    }
    return jwt.encode(claims, secret, algorithm="HS256", headers={"typ": "JWT"})


def shop_handle(shop: str) -> str:
    """``alice-shop`` for ``alice-shop.myshopify.com``."""
    return shop.removesuffix(".myshopify.com")


def host_param(shop: str) -> str:
    """The ``host`` query parameter: base64 of ``admin.shopify.com/store/<handle>``, unpadded."""
    raw = f"admin.shopify.com/store/{shop_handle(shop)}".encode()
    return base64.b64encode(raw).decode().rstrip("=")
