"""App Bridge session tokens (ID tokens): verify the JWT and name the shop and staff user.

A session token is an HS256 JWT signed with our client secret, living one minute
(shopify-platform.md §3). The shop comes only from the signed ``dest`` claim. Checks, as
Shopify's libraries make them: HS256 only (no ``none``, no RS256 key confusion), the signature,
``aud`` equal to our client id, ``exp``/``nbf`` with 10 s of leeway (App Bridge often issues an
``nbf`` slightly ahead of our clock), the claims ``iss dest sub jti sid`` present, ``iss`` ending
``/admin`` on the same host as ``dest``, and that host a valid shop domain.

The token itself is never logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import jwt
from django.conf import settings

from shopify_app.exceptions import InvalidSessionToken
from shopify_app.signatures import shop_domain_sanitize

ALGORITHMS = ["HS256"]
LEEWAY_SECONDS = 10
REQUIRED_CLAIMS = ["iss", "dest", "aud", "sub", "exp", "nbf", "jti", "sid"]
BEARER_PREFIX = "Bearer "


@dataclass(frozen=True)
class SessionToken:
    shop: str  # xxx.myshopify.com, from `dest`
    user_id: str  # `sub`: the staff member's id
    session_id: str  # `sid`
    jti: str
    expires_at: datetime
    raw: str  # the token as received, for token exchange (never log it)

    def __repr__(self) -> str:  # keep the raw token out of tracebacks and logs
        return f"SessionToken(shop={self.shop!r}, user_id={self.user_id!r})"


def decode(token: str, *, now: float | None = None) -> SessionToken:
    """Verify ``token`` and return its shop and user; ``InvalidSessionToken`` if anything fails.

    ``now`` (epoch seconds) replaces the clock in tests.
    """
    if not token:
        raise InvalidSessionToken("Missing session token.")
    options: dict = {"require": REQUIRED_CLAIMS}
    try:
        if now is not None:
            # PyJWT reads the clock itself; with an explicit `now`, check exp/nbf here instead
            # (`iat` is informational: Shopify's libraries don't rely on it).
            options |= {"verify_exp": False, "verify_nbf": False, "verify_iat": False}
        claims = jwt.decode(
            token,
            settings.SHOPIFY_API_SECRET,
            algorithms=ALGORITHMS,
            audience=settings.SHOPIFY_API_KEY,
            leeway=LEEWAY_SECONDS,
            options=options,  # type: ignore[arg-type]  # PyJWT types this as a TypedDict
        )
    except jwt.ExpiredSignatureError:
        raise InvalidSessionToken("Session token expired.", code="session_token_expired") from None
    except jwt.PyJWTError as exc:
        # The reason names the failed check (signature, audience, a missing claim), never the token.
        raise InvalidSessionToken(f"Invalid session token: {exc}.") from None
    if now is not None:
        _check_times(claims, now)

    dest_host = _https_host(claims["dest"])
    iss = str(claims["iss"])
    if not iss.endswith("/admin") or _https_host(iss) != dest_host:
        raise InvalidSessionToken("Session token issuer does not match its destination.")
    shop = shop_domain_sanitize(dest_host)
    if shop is None:
        raise InvalidSessionToken("Session token destination is not a shop.")
    return SessionToken(
        shop=shop,
        user_id=str(claims["sub"]),
        session_id=str(claims["sid"]),
        jti=str(claims["jti"]),
        expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC),
        raw=token,
    )


def decode_from_header(authorization: str | None, *, now: float | None = None) -> SessionToken:
    """Verify the token of an ``Authorization: Bearer <token>`` header."""
    if not authorization or not authorization.startswith(BEARER_PREFIX):
        raise InvalidSessionToken("Missing bearer session token.")
    return decode(authorization[len(BEARER_PREFIX) :].strip(), now=now)


def _check_times(claims: dict, now: float) -> None:
    try:
        exp, nbf = int(claims["exp"]), int(claims["nbf"])
    except (TypeError, ValueError):
        raise InvalidSessionToken("Invalid session token: exp/nbf must be integers.") from None
    if exp <= now - LEEWAY_SECONDS:
        raise InvalidSessionToken("Session token expired.", code="session_token_expired")
    if nbf > now + LEEWAY_SECONDS:
        raise InvalidSessionToken("Invalid session token: not yet valid.")


def _https_host(url: object) -> str | None:
    """The host of an ``https://host[/path]`` URL with nothing else in its authority."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.netloc.lower() != parts.hostname:
        return None
    if parts.query or parts.fragment:
        return None
    return parts.hostname
