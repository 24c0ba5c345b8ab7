"""The shop's offline access token: store it, hand it out (refreshing first), drop it.

Tokens are expiring offline tokens (an access token living ``expires_in`` ≈ 1 h and a refresh
token living 90 days, rotated together on every refresh); non-expiring tokens from older
installs keep working until they are migrated (``shop_access_token_migrate``).

Rules this module keeps (shopify-platform.md §1):

- The access and refresh tokens are written together in one UPDATE, so no reader ever sees a
  new access token beside an old refresh token.
- Exactly one refresher per shop, even across worker processes: see ``_refresh_locked``.
- A lost refresh response is survivable: Shopify keeps the previous refresh token valid until
  its replacement is first used, and we only replace the stored pair after a successful answer,
  so a retry simply presents the same refresh token again.
- A refresh token that Shopify refuses (expired or revoked) means the merchant must reopen the
  app: the credential is dropped and ``ReauthorizationRequired`` raised. The next embedded admin
  load finds no credential and runs token exchange (``shopify_app.views.embedded``).

Nothing here logs a token or a secret.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shopify_app import crypto, oauth
from shopify_app.exceptions import ReauthorizationRequired, ShopifyRetriableError
from shopify_app.models import Shop, ShopCredential

logger = logging.getLogger(__name__)

# Refresh this long before the access token expires, so a token handed out is still good for a
# whole Admin API call (including its retries) and clock skew with Shopify doesn't matter.
REFRESH_MARGIN = timedelta(minutes=5)
# When a refresh fails transiently but the current token still has this long left, use it.
STILL_USABLE_FOR = timedelta(seconds=30)
# Immediate attempts of a refresh that got no answer (the same refresh token each time).
REFRESH_ATTEMPTS = 3
REFRESH_BACKOFF_SECONDS = (0.2, 1.0)


def shop_credential_store(*, shop: Shop, token_response: dict[str, Any]) -> ShopCredential:
    """Write the shop's offline token (and refresh token) from a Shopify token response.

    Creates the credential or replaces every field of the existing one in a single UPDATE and
    bumps ``version``. Raises ``ValueError`` for an online (per-user) token: those never serve
    background work. Idempotent: storing the same response twice leaves the same pair.
    """
    if token_response.get("associated_user") is not None:
        raise ValueError("an online access token cannot be stored as the shop's credential")
    fields = _fields_from_response(token_response, now=timezone.now())
    with transaction.atomic():
        # Two first stores racing (two admin tabs): the one-to-one constraint makes the loser's
        # INSERT fail, and get_or_create then waits for and locks the winner's row instead.
        credential, created = ShopCredential.objects.select_for_update().get_or_create(
            shop=shop, defaults=fields
        )
        if not created:
            _update_pair(credential, fields)
    return ShopCredential.objects.get(shop=shop)


def shop_access_token_get(*, shop: Shop) -> str:
    """The shop's usable offline access token, refreshed first when it is about to expire.

    Raises ``ReauthorizationRequired`` when the shop has no credential (uninstalled, revoked) or
    Shopify refuses the refresh token; ``ShopifyRetriableError`` when a needed refresh got no
    answer after ``REFRESH_ATTEMPTS`` and the current token is no longer usable.
    May write: a refreshed pair, or a re-encryption with the newest key (key rotation).
    """
    credential = ShopCredential.objects.filter(shop=shop).first()
    if credential is None:
        raise ReauthorizationRequired(
            "The app has no access to this shop: the merchant must open the app in Shopify.",
            extra={"shop": shop.domain},
        )
    if not _needs_refresh(credential):
        _reencrypt_if_rotated(credential)
        return crypto.decrypt(credential.access_token)
    return _refresh(shop=shop, stale=credential)


def shop_access_token_revoked(*, shop: Shop, access_token: str | None = None) -> bool:
    """Drop the shop's credential after Shopify answered 401 to it (merchant revoked access).

    Deletes the ShopCredential row so the next embedded admin load re-runs token exchange.
    With ``access_token`` (the token that got the 401), only that token is dropped: if another
    worker has meanwhile stored a new pair, it is kept. Returns whether the shop is now without
    a credential (False: a newer pair was kept and is worth trying). Idempotent: nothing to drop
    is fine.
    """
    with transaction.atomic():
        credential = ShopCredential.objects.select_for_update().filter(shop=shop).first()
        if credential is None:
            return True
        if access_token is not None and crypto.decrypt(credential.access_token) != access_token:
            return False
        credential.delete()
    logger.warning(
        "access token revoked by Shopify; credential dropped", extra={"shop": shop.domain}
    )
    return True


def shop_credential_usable(*, shop: Shop) -> bool:
    """Whether the shop has a credential we can use or refresh without the merchant."""
    credential = ShopCredential.objects.filter(shop=shop).first()
    if credential is None:
        return False
    expiry = credential.refresh_token_expires_at
    refresh_expired = expiry is not None and expiry <= timezone.now()
    return not (credential.expires_at is not None and refresh_expired)


def shop_access_token_migrate(*, shop: Shop) -> ShopCredential:
    """Trade the shop's non-expiring offline token for an expiring pair (irreversible).

    Locks the credential row for the exchange, so two migrations cannot both spend the old
    token; a credential that already expires is returned unchanged (idempotent).
    Raises ``ReauthorizationRequired`` if the shop has no credential or Shopify refuses it.
    """
    refused = False
    with transaction.atomic():
        credential = ShopCredential.objects.select_for_update().filter(shop=shop).first()
        if credential is None:
            raise ReauthorizationRequired(extra={"shop": shop.domain})
        if credential.expires_at is not None:
            return credential
        try:
            response = oauth.access_token_migrate(
                shop_domain=shop.domain, access_token=crypto.decrypt(credential.access_token)
            )
        except oauth.OAuthError as exc:
            if exc.status not in (400, 401):
                raise
            credential.delete()
            refused = True
        else:
            _write_pair(credential, response)
    if refused:
        raise ReauthorizationRequired(extra={"shop": shop.domain})
    return ShopCredential.objects.get(shop=shop)


def _fields_from_response(response: dict[str, Any], *, now) -> dict[str, Any]:
    expires_in = response.get("expires_in")
    refresh_token = response.get("refresh_token") or ""
    refresh_expires_in = response.get("refresh_token_expires_in")
    return {
        "access_token": crypto.encrypt(response["access_token"]),
        "scopes": response.get("scope", ""),
        "expires_at": now + timedelta(seconds=int(expires_in)) if expires_in else None,
        "refresh_token": crypto.encrypt(refresh_token) if refresh_token else "",
        "refresh_token_expires_at": (
            now + timedelta(seconds=int(refresh_expires_in)) if refresh_expires_in else None
        ),
    }


def _write_pair(credential: ShopCredential, response: dict[str, Any]) -> None:
    _update_pair(credential, _fields_from_response(response, now=timezone.now()))


def _update_pair(credential: ShopCredential, fields: dict[str, Any]) -> None:
    """Replace the pair on a row the caller holds locked: one UPDATE, version bumped."""
    ShopCredential.objects.filter(pk=credential.pk).update(
        **fields, version=F("version") + 1, updated_at=timezone.now()
    )


def _needs_refresh(credential: ShopCredential) -> bool:
    return credential.expires_at is not None and (
        credential.expires_at <= timezone.now() + REFRESH_MARGIN
    )


def _refresh(*, shop: Shop, stale: ShopCredential) -> str:
    attempt = 0
    while True:
        try:
            return _refresh_locked(shop=shop)
        except ShopifyRetriableError:
            # No answer, a 5xx or a 429: the stored pair is untouched and the same refresh token
            # stays valid at Shopify, so trying again is safe.
            attempt += 1
            if attempt < REFRESH_ATTEMPTS:
                time.sleep(REFRESH_BACKOFF_SECONDS[min(attempt, len(REFRESH_BACKOFF_SECONDS)) - 1])
                continue
            usable_until = timezone.now() + STILL_USABLE_FOR
            if stale.expires_at is not None and stale.expires_at > usable_until:
                logger.warning(
                    "token refresh failed; using the current token until it expires",
                    extra={"shop": shop.domain},
                )
                return crypto.decrypt(stale.access_token)
            raise


def _refresh_locked(*, shop: Shop) -> str:
    """Refresh the pair while holding the credential row lock, or use the one a peer just made.

    Why the row lock is held across the HTTP call (a deliberate exception to "no Shopify calls
    inside a transaction"): a refresh spends the refresh token. If two workers both refresh,
    Shopify issues two pairs and each retires the previous one; whichever response is stored
    last may hold an already-retired refresh token, and the shop is locked out until the
    merchant reopens the app. Only mutual exclusion that spans the call prevents that. The row
    lock gives it with no extra moving parts: waiters block inside PostgreSQL (no polling) and,
    once they get the row, see the new pair and return it; a worker that dies mid-call loses
    its connection and with it the lock (no stale lease to expire). The cost is bounded: one row
    per shop, held at most ``oauth.TOKEN_TIMEOUT`` (~13 s worst case), about once an hour.
    """
    refused = False
    with transaction.atomic():
        credential = ShopCredential.objects.select_for_update().filter(shop=shop).first()
        if credential is None:
            raise ReauthorizationRequired(extra={"shop": shop.domain})
        # Re-check after acquiring the lock: the worker we waited for has probably refreshed.
        if not _needs_refresh(credential):
            return crypto.decrypt(credential.access_token)
        refresh_expired = (
            credential.refresh_token_expires_at is not None
            and credential.refresh_token_expires_at <= timezone.now()
        )
        if not credential.refresh_token or refresh_expired:
            credential.delete()
            refused = True
        else:
            try:
                response = oauth.access_token_refresh(
                    shop_domain=shop.domain, refresh_token=crypto.decrypt(credential.refresh_token)
                )
            except oauth.OAuthError as exc:
                # 400 invalid_grant: the refresh token expired or the app lost access. Any other
                # refusal is unexpected; it propagates and the pair is kept.
                if exc.status not in (400, 401):
                    raise
                credential.delete()
                refused = True
            else:
                _write_pair(credential, response)
                logger.info("access token refreshed", extra={"shop": shop.domain})
                return response["access_token"]
    # Raised outside the atomic block so the credential's deletion commits.
    assert refused
    logger.warning(
        "refresh token refused; the merchant must reopen the app", extra={"shop": shop.domain}
    )
    raise ReauthorizationRequired(
        "Shopify no longer accepts this shop's refresh token: the merchant must reopen the app.",
        extra={"shop": shop.domain},
    )


def _reencrypt_if_rotated(credential: ShopCredential) -> None:
    """Re-encrypt a pair made with an older key (key rotation), unless it changed meanwhile."""
    if not (
        crypto.needs_rotation(credential.access_token)
        or (credential.refresh_token and crypto.needs_rotation(credential.refresh_token))
    ):
        return
    ShopCredential.objects.filter(pk=credential.pk, version=credential.version).update(
        access_token=crypto.rotate(credential.access_token),
        refresh_token=crypto.rotate(credential.refresh_token) if credential.refresh_token else "",
    )


def credential_encryption_rotate() -> int:
    """Re-encrypt every credential made with an older key; returns how many were rewritten.

    Each row is locked while it is rewritten so a concurrent refresh cannot be overwritten.
    Idempotent: rows already on the newest key are skipped.
    """
    rotated = 0
    for pk in ShopCredential.objects.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            credential = ShopCredential.objects.select_for_update().filter(pk=pk).first()
            if credential is None:
                continue
            stale = crypto.needs_rotation(credential.access_token) or bool(
                credential.refresh_token and crypto.needs_rotation(credential.refresh_token)
            )
            if stale:
                _reencrypt_if_rotated(credential)
                rotated += 1
    return rotated
