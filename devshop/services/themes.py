"""The shop's themes and their app embeds, as the theme editor keeps them.

Shopify records an app embed the merchant switched on in the published theme's
``config/settings_data.json``: an entry of ``current.blocks`` whose ``type`` is
``shopify://apps/<app>/blocks/<embed handle>/<extension uuid>`` and whose ``disabled`` is false.
The theme editor's deep link (``?context=apps&activateAppId=<api key>/<handle>``) adds that entry
(or clears ``disabled``) once the merchant saves; devshop's editor page does the same.
"""

from __future__ import annotations

import json
import uuid

from django.db import transaction

from devshop.models import DevShop, DevTheme

# A stable stand-in for the extension's uuid (Shopify assigns it at deploy).
EXTENSION_UUID = str(uuid.uuid5(uuid.NAMESPACE_URL, "devshop/loyalty-launcher"))


def theme_main(*, shop: DevShop) -> DevTheme:
    """The shop's published theme, created on first use."""
    theme = DevTheme.objects.filter(shop=shop, role=DevTheme.Role.MAIN).order_by("pk").first()
    return theme or DevTheme.objects.create(shop=shop, role=DevTheme.Role.MAIN)


def _block_type(handle: str) -> str:
    return f"shopify://apps/loyalty/blocks/{handle}/{EXTENSION_UUID}"


@transaction.atomic
def theme_app_embed_set(*, shop: DevShop, handle: str, enabled: bool) -> DevTheme:
    """Switch the app embed ``handle`` on or off in the main theme, as the editor saves it."""
    theme = DevTheme.objects.select_for_update().get(pk=theme_main(shop=shop).pk)
    data = json.loads(theme.settings_data)
    blocks = data.setdefault("current", {}).setdefault("blocks", {})
    key = next((k for k, b in blocks.items() if b.get("type") == _block_type(handle)), None)
    if key is None:
        # Shopify keys an embed by a long random number.
        key = str(uuid.uuid4().int % 10**19)
        blocks[key] = {"type": _block_type(handle), "settings": {}}
    blocks[key]["disabled"] = not enabled
    theme.settings_data = json.dumps(data, indent=2)
    theme.save(update_fields=["settings_data", "updated_at"])
    return theme
