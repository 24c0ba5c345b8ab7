"""Shops, their staff, and the app's installation on them."""

from __future__ import annotations

import re

from django.db import transaction

from devshop import clock, conf
from devshop.exceptions import DevshopError
from devshop.models import DevAccessToken, DevAppInstallation, DevSequence, DevShop, DevStaffMember
from devshop.services.events import emit

SHOP_DOMAIN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-]*\.myshopify\.com$")


def shop_create(
    *,
    domain: str,
    name: str = "",
    email: str = "",
    currency: str = "USD",
    timezone: str = "America/New_York",
    plan_name: str = "basic",
) -> DevShop:
    """Create a shop with its owner (a staff member); an existing domain is returned as is.

    Writes DevShop and DevStaffMember. Raises DevshopError for a domain Shopify would not
    issue. Idempotent on ``domain``, so ``make dev`` and tests can call it on every start.
    """
    if not SHOP_DOMAIN.match(domain):
        raise DevshopError(f"{domain!r} is not a valid xxx.myshopify.com domain", code="invalid")
    existing = DevShop.objects.filter(domain=domain).first()
    if existing:
        return existing
    handle = domain.removesuffix(".myshopify.com")
    now = clock.now()
    with transaction.atomic():
        shop = DevShop.objects.create(
            id=DevSequence.allocate("Shop"),
            domain=domain,
            name=name or handle.replace("-", " ").title(),
            email=email or f"owner@{handle}.example.com",
            currency=currency,
            timezone=timezone,
            plan_name=plan_name,
            plan_display_name=plan_name.replace("_", " ").title(),
            created_at=now,
            updated_at=now,
        )
        DevStaffMember.objects.create(
            id=DevSequence.allocate("StaffMember"),
            shop=shop,
            first_name="Shop",
            last_name="Owner",
            email=shop.email,
            account_owner=True,
        )
    return shop


def shop_owner(*, shop: DevShop) -> DevStaffMember:
    return shop.staff.filter(account_owner=True).order_by("id").first() or shop.staff.get()


@transaction.atomic
def app_install(*, shop: DevShop, scopes: list[str] | None = None) -> DevAppInstallation:
    """Install the app on ``shop`` (or change its granted scopes), as approval does.

    ``scopes`` default to the app's declared scopes (managed installation). Writes
    DevAppInstallation; sends ``app/scopes_update`` when an installed app's scopes change.
    Idempotent: installing again with the same scopes changes nothing.
    """
    granted = ",".join(dict.fromkeys(scopes if scopes is not None else conf.app_scopes()))
    installation, _ = DevAppInstallation.objects.select_for_update().get_or_create(shop=shop)
    previous = installation.scope_list
    was_installed = installation.is_installed
    if was_installed and installation.scopes == granted:
        return installation
    installation.scopes = granted
    if not was_installed:
        installation.installed_at = clock.now()
        installation.uninstalled_at = None
        installation.bucket_available = None
    installation.save()
    if was_installed:
        emit(shop, "app/scopes_update", {"previous": previous, "current": installation.scope_list})
    return installation


@transaction.atomic
def app_uninstall(*, shop: DevShop) -> None:
    """Uninstall the app: revoke every token, then send ``app/uninstalled``.

    As on Shopify the token is already revoked when the webhook arrives. Idempotent: an
    app that is not installed is left alone and nothing is sent.
    """
    installation = DevAppInstallation.objects.select_for_update().filter(shop=shop).first()
    if installation is None or not installation.is_installed:
        return
    now = clock.now()
    installation.uninstalled_at = now
    installation.save(update_fields=["uninstalled_at"])
    DevAccessToken.objects.filter(installation=installation, revoked_at=None).update(revoked_at=now)
    emit(shop, "app/uninstalled", shop)
