"""devshop's configuration: the app it hosts, where that app lives, where shops are served.

devshop plays Shopify for exactly one app. Standalone (``devshop.settings``) it reads the
``DEVSHOP_*`` settings; inside the test process those are absent and it falls back to the
app's own ``SHOPIFY_API_KEY`` / ``SHOPIFY_API_SECRET`` / ``APP_URL``, so both sides agree.
"""

from __future__ import annotations

import hashlib
import tempfile
import tomllib
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection


def client_id() -> str:
    return getattr(settings, "DEVSHOP_CLIENT_ID", None) or settings.SHOPIFY_API_KEY


def client_secret() -> str:
    return getattr(settings, "DEVSHOP_CLIENT_SECRET", None) or settings.SHOPIFY_API_SECRET


def app_url() -> str:
    return (getattr(settings, "DEVSHOP_APP_URL", None) or settings.APP_URL).rstrip("/")


def shop_origin(shop_domain: str) -> str:
    """Where devshop serves ``shop_domain`` (Shopify: ``https://{shop}``)."""
    template = str(
        getattr(settings, "DEVSHOP_SHOP_ORIGIN_TEMPLATE", None)
        or getattr(settings, "SHOPIFY_SHOP_ORIGIN_TEMPLATE", "http://127.0.0.1:8001/store/{shop}")
    )
    return template.format(shop=shop_domain).rstrip("/")


def public_origin() -> str:
    """devshop's own origin (control pages, bulk result files), derived from the shop origin."""
    origin = shop_origin("x.myshopify.com")
    return origin.removesuffix("/store/x.myshopify.com")


def app_numeric_id() -> int:
    """Shopify's numeric id of the app, which ``$app`` metafield namespaces resolve to.

    Derived from the client id so it is stable across runs without configuration.
    """
    digest = hashlib.sha256(client_id().encode()).hexdigest()
    return 100_000_000 + int(digest[:8], 16) % 900_000_000


def app_scopes() -> list[str]:
    """The scopes the app declares (``shopify.app.toml``), granted on managed installation."""
    declared = app_config().get("access_scopes", {}).get("scopes", "")
    return [s.strip() for s in declared.split(",") if s.strip()]


def bulk_results_dir() -> Path:
    """Where finished bulk operations write their JSONL files.

    ``DEVSHOP_BULK_DIR`` if set; else a directory of the temp dir per database (operation ids
    are allocated per database, so test runs and devshops on different databases never share
    a directory; file names are unique anyway).
    """
    configured = getattr(settings, "DEVSHOP_BULK_DIR", None)
    if configured:
        path = Path(configured)
    else:
        db = connection.settings_dict
        where = f"{db['ENGINE']}|{db.get('HOST') or ''}|{db.get('PORT') or ''}|{db['NAME']}"
        key = hashlib.sha256(where.encode()).hexdigest()[:16]
        path = Path(tempfile.gettempdir()) / "devshop-bulk" / key
    path.mkdir(parents=True, exist_ok=True)
    return path


def bulk_autorun() -> bool:
    """Run bulk operations in a background thread as soon as they are created (standalone).

    Off in tests, where an operation advances one step per poll or runs on demand
    (``services.bulk_operation_run``), so no thread outlives the test's transaction.
    """
    return bool(getattr(settings, "DEVSHOP_BULK_AUTORUN", False))


@cache
def app_config() -> dict:
    """The app's ``shopify.app.toml`` (scopes, redirect URLs, webhook subscriptions, proxy)."""
    path = Path(
        getattr(settings, "DEVSHOP_APP_TOML", None) or settings.BASE_DIR / "shopify.app.toml"
    )
    with path.open("rb") as handle:
        return tomllib.load(handle)


def redirect_urls() -> set[str]:
    """The allowed OAuth ``redirect_uri`` values: the TOML's paths, on the app's real origin.

    The TOML holds the production URLs; devshop keeps their paths and swaps in ``app_url()``.
    """
    urls = app_config().get("auth", {}).get("redirect_urls", [])
    return {app_url() + urlsplit(url).path for url in urls}
