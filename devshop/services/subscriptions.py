"""Per-shop webhook subscriptions (``webhookSubscriptionCreate`` / ``…Delete``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from devshop import clock
from devshop.models import DevSequence, DevShop, DevWebhookSubscription


def webhook_subscription_create(
    *, shop: DevShop, topic: str, data: dict[str, Any]
) -> tuple[DevWebhookSubscription | None, list[tuple[list[str], str]]]:
    """Subscribe ``shop`` to ``topic`` (the GraphQL enum value); (row, []) or (None, errors).

    ``uri`` (or the deprecated ``callbackUrl``) must be an http(s) URL; devshop also accepts
    plain http because the app runs locally. A second identical subscription is refused.
    """
    uri = data.get("uri") or data.get("callbackUrl") or ""
    field = ["webhookSubscription", "uri" if data.get("uri") else "callbackUrl"]
    parts = urlsplit(uri)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None, [(field, "Address is invalid")]
    if DevWebhookSubscription.objects.filter(
        shop=shop, topic=topic, uri=uri, filter=data.get("filter")
    ).exists():
        return None, [(field, "Address for this topic has already been taken")]
    now = clock.now()
    row = DevWebhookSubscription.objects.create(
        id=DevSequence.allocate("WebhookSubscription"),
        shop=shop,
        topic=topic,
        uri=uri,
        format=data.get("format") or "JSON",
        name=data.get("name"),
        include_fields=list(data.get("includeFields") or []),
        metafield_namespaces=list(data.get("metafieldNamespaces") or []),
        filter=data.get("filter"),
        created_at=now,
        updated_at=now,
    )
    return row, []


def webhook_subscription_delete(*, subscription: DevWebhookSubscription) -> None:
    subscription.delete()
