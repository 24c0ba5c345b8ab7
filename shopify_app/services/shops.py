"""The shop's lifecycle: install (and reinstall), scope changes, uninstall, redaction.

Post-install work belongs to other apps (webhook subscriptions, the initial sync, the default
loyalty program). They add a callable to ``post_install_hooks`` (explicitly, from their
``AppConfig.ready()``; no signals): ``shop_install`` schedules each with
``transaction.on_commit(hook(shop_id=…))`` when a shop becomes installed — on a first install
and on a reinstall. Hooks receive only the shop's id and should enqueue a Celery task; they must
be idempotent, since a reinstall runs them again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils import timezone

from shopify_app import admin_api, oauth
from shopify_app.exceptions import InvalidSessionToken
from shopify_app.graphql import shop as shop_documents
from shopify_app.models import Shop, ShopCredential
from shopify_app.services.credentials import shop_credential_store
from shopify_app.session_tokens import SessionToken
from shopify_app.storefront_cache import storefront_state_changed

logger = logging.getLogger(__name__)

PostInstallHook = Callable[..., None]  # called as hook(shop_id=<int>)

post_install_hooks: list[PostInstallHook] = []


def post_install_hook_register(hook: PostInstallHook) -> PostInstallHook:
    """Add ``hook`` to the post-install hooks (once, however often ``ready()`` runs)."""
    if hook not in post_install_hooks:
        post_install_hooks.append(hook)
    return hook


@transaction.atomic
def shop_install(*, shop_domain: str, token_response: dict[str, Any]) -> Shop:
    """Install the app on ``shop_domain`` (or reinstall it) with a fresh offline token.

    Writes the Shop (created if new; a reinstall keeps all its data, clears ``uninstalled_at``
    and replaces the scopes) and its ShopCredential from ``token_response``. On a first install
    or a reinstall, schedules every post-install hook on commit. Idempotent: installing an
    installed shop again only replaces the token and scopes.
    ``shop_domain`` must already be validated (``signatures.shop_domain_sanitize``).
    """
    now = timezone.now()
    shop, created = Shop.objects.select_for_update().get_or_create(
        domain=shop_domain, defaults={"installed_at": now}
    )
    became_installed = created or not shop.is_installed
    if became_installed:
        shop.installed_at = now
    shop.uninstalled_at = None
    shop.scopes = str(token_response.get("scope", ""))
    shop.full_clean()
    shop.save()
    # A reinstall (or a shop recreated after shop/redact under the same domain) must not find
    # a state cached before: the shop's version moves (storefront_cache).
    storefront_state_changed(shop_id=shop.pk)
    shop_credential_store(shop=shop, token_response=token_response)
    if became_installed:
        logger.info("shop installed", extra={"shop": shop.domain, "reinstall": not created})
        for hook in post_install_hooks:
            transaction.on_commit(partial(hook, shop_id=shop.pk))
    return shop


def shop_token_exchange_install(*, session: SessionToken) -> Shop:
    """Managed installation: exchange a verified session token for an expiring offline token.

    Calls Shopify first (outside any transaction), then ``shop_install`` writes the shop and its
    credential. Raises ``InvalidSessionToken`` when Shopify refuses the session token (400
    ``invalid_subject_token``: expired, or for a shop that is gone); other refusals and
    transient failures propagate (``OAuthError``, ``ShopifyRetriableError``). Idempotent: a
    second exchange just replaces the token.
    """
    try:
        response = oauth.token_exchange(shop_domain=session.shop, session_token=session.raw)
    except oauth.OAuthError as exc:
        if exc.error != "invalid_subject_token":
            raise
        raise InvalidSessionToken("Shopify refused the session token.") from None
    return shop_install(shop_domain=session.shop, token_response=response)


@transaction.atomic
def shop_uninstall(*, shop: Shop, uninstalled_at: datetime | None = None) -> Shop:
    """``app/uninstalled``: drop the token (Shopify already revoked it), mark the shop uninstalled.

    The shop's data stays until ``shop/redact`` (48 h later, and only if not reinstalled).
    ``uninstalled_at`` is when Shopify triggered the uninstall (``X-Shopify-Triggered-At``): a
    late delivery from before the current installation is ignored, so a quick reinstall isn't
    undone. Idempotent: a repeated delivery finds the shop already uninstalled.
    """
    shop = Shop.objects.select_for_update().get(pk=shop.pk)
    if uninstalled_at is not None and shop.installed_at and shop.installed_at > uninstalled_at:
        logger.info("stale app/uninstalled ignored", extra={"shop": shop.domain})
        return shop
    ShopCredential.objects.filter(shop=shop).delete()
    if shop.uninstalled_at is None:
        shop.uninstalled_at = uninstalled_at or timezone.now()
        shop.save(update_fields=["uninstalled_at", "updated_at"])
        storefront_state_changed(shop_id=shop.pk)  # a cached state must not outlive the app
        logger.info("shop uninstalled", extra={"shop": shop.domain})
    return shop


@transaction.atomic
def shop_scopes_update(*, shop: Shop, scopes: list[str]) -> Shop:
    """``app/scopes_update``: record the scopes now granted, on the shop and its credential.

    If the granted scopes no longer cover ``SHOPIFY_SCOPES``, the next embedded admin load finds
    the credential unusable and runs token exchange again. Idempotent.
    """
    granted = ",".join(s.strip() for s in scopes if s.strip())
    shop = Shop.objects.select_for_update().get(pk=shop.pk)
    shop.scopes = granted
    shop.save(update_fields=["scopes", "updated_at"])
    ShopCredential.objects.filter(shop=shop).update(scopes=granted, updated_at=timezone.now())
    return shop


@transaction.atomic
def shop_redact(*, shop: Shop, triggered_at: datetime | None = None) -> bool:
    """``shop/redact``: delete the shop and every row that belongs to it, tokens included.

    Every model holding shop data has a ``CASCADE`` foreign key to Shop (a test enforces it),
    so deleting the Shop deletes them all in this transaction. Returns whether it did.

    Shopify sends ``shop/redact`` 48 h after an uninstall, but a delivery can arrive late or be
    retried after the merchant reinstalled. So, with the shop row locked (an install cannot
    interleave), nothing is deleted when
    - ``triggered_at`` (``X-Shopify-Triggered-At``) predates the current installation: the
      request belongs to an earlier uninstall (as ``shop_uninstall`` ignores a stale delivery);
    - the shop is installed now: a shop in use is never erased, whatever the delivery says.
    Both are logged and acknowledged (the caller answers 200, so Shopify stops retrying).
    Idempotent: a shop already gone is nothing to do.
    """
    current = Shop.objects.select_for_update().filter(pk=shop.pk).first()
    if current is None:
        return False
    if triggered_at is not None and current.installed_at and current.installed_at > triggered_at:
        logger.warning(
            "shop/redact ignored: triggered before the current installation",
            extra={"shop": current.domain, "triggered_at": triggered_at.isoformat()},
        )
        return False
    if current.is_installed:
        logger.warning("shop/redact refused: the shop is installed", extra={"shop": current.domain})
        return False
    deleted, _ = Shop.objects.filter(pk=current.pk).delete()
    logger.info("shop redacted", extra={"shop": current.domain, "rows": deleted})
    return True


_SHOP_GID = re.compile(r"^gid://shopify/Shop/(\d+)$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def shop_details_refresh(*, shop: Shop) -> Shop:
    """Read the shop's name, owner email, currency, IANA timezone, plan and id from Shopify.

    Calls the Admin API first (outside any transaction), then writes the fields it got to the
    Shop in one locked UPDATE. A field Shopify withholds (null: protected data not approved) or
    sends in a shape we cannot store keeps its current value, so a partial answer never breaks
    or blanks anything. Raises what ``admin_api.execute`` raises (a revoked token, retries
    exhausted). Idempotent: the same answer writes the same values.
    """
    data = admin_api.execute(shop=shop, document=shop_documents.SHOP_DETAILS)
    details = data.get("shop") or {}
    domain = details.get("myshopifyDomain")
    if domain is not None and domain != shop.domain:
        # Never expected (the token belongs to the shop); refuse to copy another shop's details.
        logger.error("shop details answered for another shop", extra={"shop": shop.domain})
        return shop
    fields = _details_fields(details)
    with transaction.atomic():
        shop = Shop.objects.select_for_update().get(pk=shop.pk)
        for name, value in fields.items():
            setattr(shop, name, value)
        shop.full_clean()
        shop.save(update_fields=[*fields, "updated_at"])
        storefront_state_changed(shop_id=shop.pk)  # its name and currency are in the state
    return shop


def _details_fields(details: dict[str, Any]) -> dict[str, Any]:
    """The Shop columns ``details`` (Shopify's ``shop`` object) can fill, withheld ones left out."""
    fields: dict[str, Any] = {}
    if isinstance(details.get("name"), str) and details["name"]:
        fields["name"] = details["name"][:255]
    if isinstance(details.get("email"), str) and details["email"]:
        fields["email"] = details["email"][:255]
    if isinstance(details.get("currencyCode"), str) and _CURRENCY.match(details["currencyCode"]):
        fields["currency"] = details["currencyCode"]
    if _known_timezone(details.get("ianaTimezone")):
        # Loyalty schedules (birthdays, expiry) run at the shop's local midnight.
        fields["timezone"] = details["ianaTimezone"]
    plan = (details.get("plan") or {}).get("publicDisplayName")
    if isinstance(plan, str) and plan:
        fields["shopify_plan"] = plan[:64]
    gid = _SHOP_GID.match(details.get("id") or "")
    if gid:
        fields["shopify_id"] = int(gid.group(1))
    return fields


def _known_timezone(name: Any) -> bool:
    if not isinstance(name, str) or not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
