"""The launcher button's look on the storefront: an app-data metafield the theme app embed reads.

The admin's Branding page edits ``ProgramSettings``; the panel gets that through GET state, but
the button is drawn by the loader before any request, from the embed's ``data-`` attributes,
which only Liquid can fill. So the branding is also written to Shopify as an app-data metafield
— owned by the app installation (``metafieldsSet`` with ``currentAppInstallation``'s id as
owner), which only this app can write and which Liquid reads as
``app.metafields.loyalty.launcher`` — and the embed (``extensions/loyalty-launcher``) prefers
it to the theme editor's settings, which stay the fallback (a shop that never saved branding).

Written after commit by a task whenever a branding field changes (``program.py``). Idempotent:
it states the settings as they are when it runs, so a retry, or two edits' syncs in any order,
end on the latest.
"""

from __future__ import annotations

import json
from typing import Any

from loyalty.models import ProgramSettings
from loyalty.services.program import program_settings_get
from shopify_app import admin_api
from shopify_app.models import Shop

# Plain namespace: an app-data metafield is private to the app installation already (the
# documented Liquid form is app.metafields.<namespace>.<key>).
NAMESPACE = "loyalty"
KEY = "launcher"
# The settings the button is drawn from (the panel's texts come with GET state).
BRANDING_FIELDS = frozenset(
    {
        "launcher_label",
        "launcher_position",
        "launcher_button_color",
        "launcher_text_color",
        "launcher_icon",
    }
)

CURRENT_APP_INSTALLATION = """
query LauncherAppInstallation {
  currentAppInstallation {
    id
  }
}
"""

LAUNCHER_METAFIELD_SET = """
mutation LauncherBrandingSet($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields {
      id
      namespace
      key
    }
    userErrors {
      field
      message
      code
    }
  }
}
"""


def launcher_branding(*, settings: ProgramSettings) -> dict[str, Any]:
    """The metafield's value: what the embed's button needs (keys as the embed reads them)."""
    label = settings.launcher_label
    default_label = ProgramSettings._meta.get_field("launcher_label").default
    return {
        # The default label is left out (""): the launcher then says it in the shopper's
        # language ("Récompenses"); a label the merchant chose is shown as they wrote it.
        "label": "" if label == default_label else label,
        "position": settings.launcher_position,
        "button_color": settings.launcher_button_color,
        "text_color": settings.launcher_text_color,
        "icon": settings.launcher_icon,
    }


def launcher_branding_publish(*, shop_id: int) -> dict[str, Any] | None:
    """Write the shop's launcher branding to its app-data metafield; returns the value written,
    None for a shop that is not installed. Raises ``admin_api``'s errors (the task retries the
    retriable ones) and ``ShopifyUserErrors``."""
    shop = Shop.objects.get(pk=shop_id)
    if not shop.is_installed:
        return None
    value = launcher_branding(settings=program_settings_get(shop_id=shop_id))
    data = admin_api.execute(shop=shop, document=CURRENT_APP_INSTALLATION)
    owner = data["currentAppInstallation"]["id"]
    admin_api.mutate(
        shop=shop,
        document=LAUNCHER_METAFIELD_SET,
        variables={
            "metafields": [
                {
                    "ownerId": owner,
                    "namespace": NAMESPACE,
                    "key": KEY,
                    "type": "json",
                    "value": json.dumps(value, sort_keys=True),
                }
            ]
        },
        field="metafieldsSet",
    )
    return value
