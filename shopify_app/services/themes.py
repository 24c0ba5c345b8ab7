"""Whether an app embed of ours is on in the shop's published theme, and the theme editor deep
link that switches it on.

Shopify offers no API for "is the app embed active"; apps read the main theme's
``config/settings_data.json``, where the editor records each embed a merchant switched on as a
``current.blocks`` entry with ``type`` ``shopify://apps/<app>/blocks/<handle>/<uuid>`` and
``disabled`` false. The file may start with a comment block (themes' generated header), which
JSON does not allow, so it is stripped before parsing; an unreadable file counts as inactive.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from shopify_app import admin_api, http
from shopify_app.graphql import themes as documents
from shopify_app.models import Shop

# The launcher's app embed: extensions/loyalty-launcher/blocks/launcher.liquid.
LAUNCHER_EMBED = "launcher"
_COMMENT = re.compile(r"^\s*/\*.*?\*/", re.DOTALL)


@dataclass(frozen=True, slots=True)
class EmbedStatus:
    active: bool
    theme_name: str


def app_embed_editor_url(*, shop: Shop, handle: str) -> str:
    """The theme editor, on the App embeds panel, with ``handle`` switched on (shopify.dev,
    "deep linking": ``activateAppId={api_key}/{handle}``)."""
    query = urlencode(
        {"context": "apps", "activateAppId": f"{settings.SHOPIFY_API_KEY}/{handle}"}, safe="/"
    )
    return http.shop_url(shop.domain, f"admin/themes/current/editor?{query}")


def _blocks(content: str) -> dict[str, Any]:
    try:
        data = json.loads(_COMMENT.sub("", content, count=1))
    except ValueError:
        return {}
    blocks = (data.get("current") or {}).get("blocks") if isinstance(data, dict) else None
    return blocks if isinstance(blocks, dict) else {}


def app_embed_status(*, shop: Shop, handle: str) -> EmbedStatus:
    """Read the main theme's settings and say whether the embed ``handle`` is on. Calls
    Shopify (never inside a transaction); raises the admin client's errors."""
    data = admin_api.execute(shop=shop, document=documents.MAIN_THEME_SETTINGS_DATA)
    themes = ((data.get("themes") or {}).get("nodes")) or []
    if not themes:
        return EmbedStatus(active=False, theme_name="")
    theme = themes[0]
    files = ((theme.get("files") or {}).get("nodes")) or []
    content = ((files[0].get("body") or {}).get("content") or "") if files else ""
    marker = f"/blocks/{handle}/"
    active = any(
        isinstance(block, dict)
        and marker in str(block.get("type", ""))
        and not block.get("disabled", False)
        for block in _blocks(content).values()
    )
    return EmbedStatus(active=active, theme_name=theme.get("name") or "")
