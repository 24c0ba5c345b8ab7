"""Shopify's token endpoint: code grant, token exchange, refresh and migration to expiring tokens.

All four are ``POST {shop}/admin/oauth/access_token`` with our client credentials
(shopify-platform.md §1-2). ShopifyAPI (Python) implements none of token exchange, ``expiring``
or refresh, so they are written here, the way Shopify's JS library sends them (a JSON body).

Each function returns Shopify's token response as a dict (validated to carry ``access_token``
and ``scope``) for ``shopify_app.services.credentials.shop_credential_store``. Errors:

- ``ShopifyRetriableError`` — no answer, a timeout or a 5xx: nothing was decided; retrying with
  the same input is safe (a lost refresh response leaves the old refresh token usable).
- ``ShopifyThrottled`` — 429.
- ``ShopifyHttpError`` — Shopify refused (4xx); ``.error`` holds its OAuth error code
  (``invalid_grant``, ``invalid_subject_token``, …).

Secrets, codes and tokens are never logged: log lines carry the shop, the grant and the status.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings

from shopify_app.exceptions import ShopifyHttpError, ShopifyRetriableError, ShopifyThrottled
from shopify_app.http import session, shop_url

logger = logging.getLogger(__name__)

# (connect, read) seconds. Token calls are small; a refresh holds the credential row lock while
# it waits (see services/credentials.py), so the read timeout is deliberately short.
TOKEN_TIMEOUT = (3.05, 10)

GRANT_TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
GRANT_REFRESH_TOKEN = "refresh_token"
TOKEN_TYPE_ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
TOKEN_TYPE_OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token"
TOKEN_TYPE_ONLINE = "urn:shopify:params:oauth:token-type:online-access-token"


class OAuthError(ShopifyHttpError):
    """Shopify's token endpoint refused the request (a 4xx other than 429)."""

    def __init__(self, message: str, *, status: int, error: str, body: Any = None) -> None:
        super().__init__(message, status=status, body=body)
        self.error = error


def state_nonce() -> str:
    """A fresh ``state`` for one authorization request (32 random bytes, hex, as the JS lib)."""
    return secrets.token_hex(32)


def authorize_url(*, shop_domain: str, state: str, redirect_uri: str, online: bool = False) -> str:
    """Where to send the merchant (at the top level) to approve the app on ``shop_domain``."""
    params: list[tuple[str, str]] = [
        ("client_id", settings.SHOPIFY_API_KEY),
        ("scope", ",".join(settings.SHOPIFY_SCOPES)),
        ("redirect_uri", redirect_uri),
        ("state", state),
    ]
    if online:
        params.append(("grant_options[]", "per-user"))
    return f"{shop_url(shop_domain, '/admin/oauth/authorize')}?{urlencode(params)}"


def code_exchange(*, shop_domain: str, code: str) -> dict[str, Any]:
    """Authorization code grant → an expiring offline token."""
    return _token_request(shop_domain, "authorization_code", {"code": code, "expiring": "1"})


def token_exchange(*, shop_domain: str, session_token: str, online: bool = False) -> dict[str, Any]:
    """Swap an App Bridge session token for an access token (expiring when offline).

    The caller must have verified the session token (``session_tokens.decode``) first.
    """
    payload = {
        "grant_type": GRANT_TOKEN_EXCHANGE,
        "subject_token": session_token,
        "subject_token_type": TOKEN_TYPE_ID_TOKEN,
        "requested_token_type": TOKEN_TYPE_ONLINE if online else TOKEN_TYPE_OFFLINE,
    }
    if not online:  # `expiring` applies to offline tokens only
        payload["expiring"] = "1"
    return _token_request(shop_domain, "token_exchange", payload)


def access_token_refresh(*, shop_domain: str, refresh_token: str) -> dict[str, Any]:
    """A new expiring access token and refresh token, spending ``refresh_token``."""
    payload = {"grant_type": GRANT_REFRESH_TOKEN, "refresh_token": refresh_token}
    return _token_request(shop_domain, "refresh", payload)


def access_token_migrate(*, shop_domain: str, access_token: str) -> dict[str, Any]:
    """Trade a non-expiring offline token for an expiring one (irreversible: it revokes the old)."""
    payload = {
        "grant_type": GRANT_TOKEN_EXCHANGE,
        "subject_token": access_token,
        "subject_token_type": TOKEN_TYPE_OFFLINE,
        "requested_token_type": TOKEN_TYPE_OFFLINE,
        "expiring": "1",
    }
    return _token_request(shop_domain, "migrate", payload)


def _token_request(shop_domain: str, grant: str, payload: dict[str, str]) -> dict[str, Any]:
    body = {
        "client_id": settings.SHOPIFY_API_KEY,
        "client_secret": settings.SHOPIFY_API_SECRET,
        **payload,
    }
    url = shop_url(shop_domain, "/admin/oauth/access_token")
    try:
        response = session.post(
            url, json=body, headers={"Accept": "application/json"}, timeout=TOKEN_TIMEOUT
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        # The request may or may not have reached Shopify; the exception text names only the URL.
        logger.warning(
            "token request got no answer",
            extra={"shop": shop_domain, "grant": grant, "error": type(exc).__name__},
        )
        raise ShopifyRetriableError(f"{grant}: no answer from {shop_domain}") from None

    status = response.status_code
    data = _json_or_none(response)
    logger.info(
        "token request answered", extra={"shop": shop_domain, "grant": grant, "status": status}
    )
    if status == 429:
        retry_after = _retry_after(response.headers.get("Retry-After"))
        raise ShopifyThrottled(f"{grant}: throttled", retry_after=retry_after, status=status)
    if status >= 500:
        raise ShopifyRetriableError(f"{grant}: Shopify answered {status}", status=status)
    if status >= 400:
        error = str((data or {}).get("error", "")) if isinstance(data, dict) else ""
        # Only Shopify's error code and description are kept: the body never echoes credentials.
        safe_body = (
            {k: data[k] for k in ("error", "error_description") if k in data}
            if isinstance(data, dict)
            else None
        )
        raise OAuthError(
            f"{grant}: Shopify refused ({status} {error or 'no error code'})",
            status=status,
            error=error,
            body=safe_body,
        )
    if not isinstance(data, dict) or not data.get("access_token") or "scope" not in data:
        raise ShopifyRetriableError(f"{grant}: malformed token response ({status})", status=status)
    return data


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _retry_after(raw: str | None) -> float:
    try:
        return max(float(raw or 1), 1.0)
    except ValueError:
        return 1.0


def scopes_missing(granted: str, required: list[str]) -> set[str]:
    """Required scopes the grant lacks. ``write_x`` implies ``read_x`` (as Shopify grants them).

    The merchant can edit the scope list in the authorize URL, so a callback's ``scope`` is
    re-checked before the token is trusted.
    """
    have = {s.strip() for s in granted.split(",") if s.strip()}
    have |= {"read_" + s.removeprefix("write_") for s in have if s.startswith("write_")}
    # unauthenticated_write_x likewise implies unauthenticated_read_x.
    have |= {
        "unauthenticated_read_" + s.removeprefix("unauthenticated_write_")
        for s in have
        if s.startswith("unauthenticated_write_")
    }
    return {s for s in required if s not in have}
