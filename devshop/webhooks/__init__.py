"""devshop's webhooks: bodies built from Shopify's examples (``payloads``, fed by ``convert``)
and signed delivery with Shopify's headers, retries and fault knobs (``delivery``).

Services call ``emit(shop, topic, resource)``; tests and the control page may pass the
delivery knobs (``duplicate``, ``delay``, ``hold``, ``event_id``) through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devshop.models import DevShop
    from devshop.webhooks.models import DevWebhookDelivery


def emit(shop: DevShop, topic: str, resource: Any, **knobs: Any) -> list[DevWebhookDelivery]:
    """Build ``topic``'s body from ``resource`` and queue it for every subscription."""
    # Imported here: devshop.models imports this package (for DevWebhookDelivery) while the
    # app registry is still loading, so nothing model-related may load at import time.
    from devshop.webhooks import convert, delivery

    return delivery.emit(shop.domain, topic, convert.payload_for(shop, topic, resource), **knobs)
