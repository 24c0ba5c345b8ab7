"""Per-shop webhook subscriptions, ensured through the Admin API after install.

``shopify.app.toml`` declares the app's topics (shopify-platform.md §12); Shopify applies them
to every shop on ``shopify app deploy``. A shop can still lack them (an install predating the
deploy, a subscription Shopify deleted after 8 failed deliveries), so after every install we
list the shop's subscriptions and create each missing topic with ``webhookSubscriptionCreate``.
Compliance topics are never created this way: they are not in the GraphQL topic enum and live
only in the TOML/Dashboard. Should a topic end up subscribed both ways, the inbox's unique
``(shop, topic, event_id)`` processes it once.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from django.conf import settings

from shopify_app import admin_api
from shopify_app.graphql import webhooks as documents
from shopify_app.models import Shop

PAGE_SIZE = 100


@cache
def subscribed_topics() -> tuple[str, ...]:
    """The non-compliance topics of ``shopify.app.toml`` (``orders/paid`` …), in file order."""
    config = tomllib.loads((Path(settings.BASE_DIR) / "shopify.app.toml").read_text())
    topics: list[str] = []
    for subscription in config.get("webhooks", {}).get("subscriptions", []):
        topics += subscription.get("topics", [])
    return tuple(topics)


def topic_enum(topic: str) -> str:
    """``orders/paid`` → ``ORDERS_PAID`` (GraphQL's ``WebhookSubscriptionTopic``)."""
    return topic.replace("/", "_").replace(".", "_").upper()


def webhook_uri() -> str:
    return f"{settings.APP_URL}/webhooks"


def _existing_topics(shop: Shop) -> set[str]:
    """Topics (enum form) the shop already delivers to our intake URL."""
    existing: set[str] = set()
    after: str | None = None
    while True:
        data = admin_api.execute(
            shop=shop,
            document=documents.WEBHOOK_SUBSCRIPTIONS,
            variables={"first": PAGE_SIZE, "after": after},
        )
        connection = data["webhookSubscriptions"]
        existing |= {
            node["topic"] for node in connection["nodes"] if node.get("uri") == webhook_uri()
        }
        if not connection["pageInfo"]["hasNextPage"]:
            return existing
        after = connection["pageInfo"]["endCursor"]


def webhook_subscriptions_ensure(*, shop: Shop) -> list[str]:
    """Create the shop's missing subscriptions; returns the topics created (enum form).

    Writes nothing locally; creates subscriptions at Shopify. Idempotent: a second run finds
    every topic present and creates none. Raises ``admin_api`` errors (the task retries the
    retriable ones) and ``ShopifyUserErrors`` if Shopify refuses a topic.
    """
    existing = _existing_topics(shop)
    missing = [topic_enum(t) for t in subscribed_topics() if topic_enum(t) not in existing]
    for topic in missing:
        admin_api.mutate(
            shop=shop,
            document=documents.WEBHOOK_SUBSCRIPTION_CREATE,
            variables={
                "topic": topic,
                "webhookSubscription": {"uri": webhook_uri(), "format": "JSON"},
            },
            field="webhookSubscriptionCreate",
        )
    return missing
