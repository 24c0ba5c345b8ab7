"""OAuth as Shopify runs it: authorization codes, the four token grants, token checks.

shopify-platform.md §1-2. Expiring offline tokens live one hour and come with a 90-day
refresh token that rotates on every refresh. There is one current expiring token per app and
store: issuing a new one retires the older refresh tokens at once (their access tokens live
out their hour). The exception is a refresh whose response was lost: the refresh token used
keeps working until its replacement is first used (and at most 30 days after its own first
use), so a client that never saw the answer can simply retry.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt
from django.db import transaction

from devshop import clock, conf
from devshop.exceptions import OAuthError
from devshop.models import DevAccessToken, DevAppInstallation, DevAuthCode, DevShop, DevStaffMember
from devshop.services.shops import app_install, shop_owner

ACCESS_TOKEN_LIFETIME = timedelta(hours=1)
REFRESH_TOKEN_LIFETIME = timedelta(days=90)
ONLINE_TOKEN_LIFETIME = timedelta(seconds=86399)
# A replaced refresh token still works after its first use for at most this long.
LOST_REFRESH_GRACE = timedelta(days=30)
AUTH_CODE_LIFETIME = timedelta(minutes=10)
SESSION_TOKEN_LEEWAY = 10  # seconds, as every Shopify library allows

TOKEN_TYPE_ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
TOKEN_TYPE_OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token"
TOKEN_TYPE_ONLINE = "urn:shopify:params:oauth:token-type:online-access-token"
GRANT_TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def _new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(16)}"


def auth_code_create(*, shop: DevShop, scopes: list[str], online: bool) -> DevAuthCode:
    """A single-use code for the consent page's redirect; the app is installed on approval."""
    app_install(shop=shop, scopes=scopes)
    return DevAuthCode.objects.create(
        code=secrets.token_hex(16),
        shop=shop,
        scopes=",".join(scopes),
        online=online,
        staff=shop_owner(shop=shop) if online else None,
        created_at=clock.now(),
    )


def check_client(*, client_id: str | None, client_secret: str | None) -> None:
    if client_id != conf.client_id() or not secrets.compare_digest(
        (client_secret or "").encode(), conf.client_secret().encode()
    ):
        raise OAuthError("invalid_client", "Client credentials are invalid.")


@transaction.atomic
def token_for_code(*, shop: DevShop, code: str, expiring: bool) -> DevAccessToken:
    """Authorization code grant. The code is used up even if the grant fails afterwards."""
    row = DevAuthCode.objects.select_for_update().filter(code=code, shop=shop).first()
    now = clock.now()
    if row is None or row.used_at is not None or now > row.created_at + AUTH_CODE_LIFETIME:
        raise OAuthError(
            "invalid_request", "The authorization code was not found or was already used"
        )
    row.used_at = now
    row.save(update_fields=["used_at"])
    installation = _installation(shop)
    if row.online:
        return _issue_online(installation, row.staff, scopes=row.scopes)
    return _issue_offline(installation, expiring=expiring, scopes=row.scopes)


def session_token_decode(*, shop: DevShop, token: str) -> dict[str, Any]:
    """Verify an App Bridge session token for ``shop`` fully; OAuthError if anything is off."""
    try:
        claims = jwt.decode(
            token,
            conf.client_secret(),
            algorithms=["HS256"],
            audience=conf.client_id(),
            # Times are checked below against devshop's clock, which tests may have moved.
            options={
                "require": ["exp", "nbf", "iss", "dest", "sub", "aud"],
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError:
        raise OAuthError("invalid_subject_token", "The subject token is invalid.") from None
    dest_host = urlsplit(str(claims["dest"])).hostname
    iss = str(claims["iss"])
    if dest_host != shop.domain or iss != f"https://{shop.domain}/admin":
        raise OAuthError("invalid_subject_token", "The subject token is for another shop.")
    moment = clock.now().timestamp()
    if (
        claims["exp"] + SESSION_TOKEN_LEEWAY < moment
        or claims["nbf"] - SESSION_TOKEN_LEEWAY > moment
    ):
        raise OAuthError("invalid_subject_token", "The subject token has expired.")
    return claims


@transaction.atomic
def token_exchange(
    *, shop: DevShop, subject_token: str, requested_token_type: str, expiring: bool
) -> DevAccessToken:
    """Token exchange: a session token becomes an offline or online access token.

    Managed installation: if the app is not installed yet, opening it installs it with the
    app's declared scopes first.
    """
    claims = session_token_decode(shop=shop, token=subject_token)
    installation = DevAppInstallation.objects.filter(shop=shop).first()
    if installation is None or not installation.is_installed:
        installation = app_install(shop=shop)
    if requested_token_type == TOKEN_TYPE_ONLINE:
        staff = DevStaffMember.objects.filter(shop=shop, id=_int(claims["sub"])).first()
        if staff is None:
            raise OAuthError("invalid_subject_token", "The session token's user is unknown.")
        return _issue_online(installation, staff, scopes=installation.scopes)
    if requested_token_type != TOKEN_TYPE_OFFLINE:
        raise OAuthError("invalid_request", "requested_token_type is not supported.")
    return _issue_offline(installation, expiring=expiring, scopes=installation.scopes)


@transaction.atomic
def token_migrate(*, shop: DevShop, subject_token: str, expiring: bool) -> DevAccessToken:
    """Trade a non-expiring offline token for an expiring one; the old token is revoked."""
    old = (
        DevAccessToken.objects.select_for_update()
        .filter(token=subject_token, installation__shop=shop, kind="offline", revoked_at=None)
        .first()
    )
    if old is None or old.expiring or not old.installation.is_installed:
        raise OAuthError("invalid_subject_token", "The subject token is invalid.")
    if not expiring:
        raise OAuthError("invalid_request", "Migration requires expiring=1.")
    old.revoked_at = clock.now()
    old.save(update_fields=["revoked_at"])
    return _issue_offline(old.installation, expiring=True, scopes=old.scopes)


@transaction.atomic
def token_refresh(*, shop: DevShop, refresh_token: str) -> DevAccessToken:
    """A new access token and refresh token for ``refresh_token`` (see the module docstring)."""
    current = (
        DevAccessToken.objects.select_for_update(of=("self",))
        .select_related("installation", "replaced_by")
        .filter(refresh_token=refresh_token, installation__shop=shop)
        .first()
    )
    now = clock.now()
    if current is None or current.revoked_at or not current.installation.is_installed:
        raise OAuthError("invalid_grant", "The refresh token is invalid.")
    if current.refresh_token_expires_at and now >= current.refresh_token_expires_at:
        raise OAuthError("invalid_grant", "The refresh token has expired.")
    if current.refresh_revoked_at is not None:
        raise OAuthError("invalid_grant", "The refresh token has been replaced.")
    successor = current.replaced_by
    if successor is not None:
        first_use = current.refresh_token_first_used_at
        if successor.first_used_at is not None or (
            first_use is not None and now > first_use + LOST_REFRESH_GRACE
        ):
            raise OAuthError("invalid_grant", "The refresh token has been replaced.")
    current.refresh_token_first_used_at = current.refresh_token_first_used_at or now
    current.first_used_at = current.first_used_at or now
    current.save(update_fields=["refresh_token_first_used_at", "first_used_at"])
    token = _issue_offline(
        current.installation, expiring=True, scopes=current.scopes, keep_refresh_of=current
    )
    current.replaced_by = token
    current.save(update_fields=["replaced_by"])
    return token


def access_token_authenticate(*, shop: DevShop, token: str) -> DevAccessToken | None:
    """The usable token for an Admin API request on ``shop``, or None (→ 401).

    The first successful use is recorded: it ends the predecessor's lost-response grace.
    """
    row = (
        DevAccessToken.objects.select_related("installation")
        .filter(token=token, installation__shop=shop, revoked_at=None)
        .first()
    )
    if row is None or not row.installation.is_installed:
        return None
    now = clock.now()
    if row.expires_at is not None and now >= row.expires_at:
        return None
    if row.first_used_at is None:
        DevAccessToken.objects.filter(pk=row.pk, first_used_at=None).update(first_used_at=now)
    return row


def token_response(token: DevAccessToken) -> dict[str, Any]:
    """The token endpoint's JSON body for ``token``, as Shopify shapes it."""
    now = clock.now()
    body: dict[str, Any] = {"access_token": token.token, "scope": token.scopes}
    if token.kind == DevAccessToken.Kind.ONLINE:
        user = token.associated_user
        assert user is not None  # online tokens always have their user
        body.update(
            expires_in=round((token.expires_at - now).total_seconds()),
            associated_user_scope=token.scopes,
            associated_user={
                "id": user.id,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "email_verified": True,
                "account_owner": user.account_owner,
                "locale": user.locale,
                "collaborator": user.collaborator,
            },
        )
    elif token.expiring:
        body.update(
            expires_in=round((token.expires_at - now).total_seconds()),
            refresh_token=token.refresh_token,
            refresh_token_expires_in=round((token.refresh_token_expires_at - now).total_seconds()),
        )
    return body


def _installation(shop: DevShop) -> DevAppInstallation:
    installation = DevAppInstallation.objects.filter(shop=shop).first()
    if installation is None or not installation.is_installed:
        raise OAuthError("invalid_request", "The app is not installed on this shop.")
    return installation


def _issue_offline(
    installation: DevAppInstallation,
    *,
    expiring: bool,
    scopes: str,
    keep_refresh_of: DevAccessToken | None = None,
) -> DevAccessToken:
    now = clock.now()
    if expiring:
        # One current expiring token per app and store: older refresh tokens die now, except
        # the one a refresh is being made with (it keeps its lost-response grace).
        retired = DevAccessToken.objects.filter(
            installation=installation, expiring=True, refresh_revoked_at=None
        )
        if keep_refresh_of is not None:
            retired = retired.exclude(pk=keep_refresh_of.pk)
        retired.update(refresh_revoked_at=now)
    return DevAccessToken.objects.create(
        installation=installation,
        token=_new_token("shpat"),
        kind=DevAccessToken.Kind.OFFLINE,
        expiring=expiring,
        scopes=scopes,
        expires_at=now + ACCESS_TOKEN_LIFETIME if expiring else None,
        refresh_token=_new_token("shprt") if expiring else None,
        refresh_token_expires_at=now + REFRESH_TOKEN_LIFETIME if expiring else None,
        created_at=now,
    )


def _issue_online(
    installation: DevAppInstallation, staff: DevStaffMember | None, *, scopes: str
) -> DevAccessToken:
    now = clock.now()
    return DevAccessToken.objects.create(
        installation=installation,
        token=_new_token("shpua"),
        kind=DevAccessToken.Kind.ONLINE,
        scopes=scopes,
        expires_at=now + ONLINE_TOKEN_LIFETIME,
        associated_user=staff,
        created_at=now,
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise OAuthError("invalid_subject_token", "The session token's user is unknown.") from None


@transaction.atomic
def access_token_create(*, shop: DevShop, expiring: bool = False) -> DevAccessToken:
    """An offline token for the installed app without an OAuth round trip.

    For ``make dev`` (install the app into the demo shop) and tests; the app itself always
    goes through the token endpoint. Installs the app first if needed.
    """
    installation = DevAppInstallation.objects.filter(shop=shop).first()
    if installation is None or not installation.is_installed:
        installation = app_install(shop=shop)
    return _issue_offline(installation, expiring=expiring, scopes=installation.scopes)
