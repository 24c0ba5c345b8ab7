"""The one place services hand a Shopify event to the webhook module (``devshop.webhooks``).

Services call ``emit`` after their writes, with the topic's resource (a devshop model, or a
dict for events that have no row of their own, e.g. ``app/scopes_update``).
"""

from __future__ import annotations

from typing import Any

from devshop import webhooks
from devshop.models import DevShop


def emit(shop: DevShop, topic: str, resource: Any) -> None:
    webhooks.emit(shop, topic, resource)
