"""Shopify's Admin GraphQL schema for the pinned version, loaded once per process.

The file is the vendored introspection result (``shopify_app/schema/``), the same the app's
tests validate against. Building it takes about a second, so it is built on first use and
kept; the webhook topic names (enum value → REST topic) are read from its descriptions.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from typing import Any

from django.conf import settings
from graphql import GraphQLSchema, build_client_schema

SCHEMA_PATH = settings.BASE_DIR / "shopify_app" / "schema" / "admin_2026-07.json.gz"
API_VERSION = "2026-07"


@cache
def _introspection() -> dict[str, Any]:
    with gzip.open(SCHEMA_PATH) as handle:
        return json.load(handle)


@cache
def admin_schema() -> GraphQLSchema:
    return build_client_schema(_introspection()["data"])


_TOPIC_IN_DESCRIPTION = re.compile(r"The webhook topic for `([^`]+)` events")


@cache
def _webhook_topics() -> dict[str, str]:
    enum = admin_schema().get_type("WebhookSubscriptionTopic")
    topics = {}
    for name, value in enum.values.items():  # type: ignore[union-attr]
        match = _TOPIC_IN_DESCRIPTION.search(value.description or "")
        if match:
            topics[name] = match.group(1)
    return topics


def webhook_topic_rest(enum_value: str) -> str:
    """``ORDERS_PAID`` → ``orders/paid``, as Shopify's schema documents each topic."""
    return _webhook_topics()[enum_value]


def webhook_topic_enum(rest_topic: str) -> str | None:
    """``orders/paid`` → ``ORDERS_PAID``; None for topics GraphQL can't subscribe to."""
    for name, topic in _webhook_topics().items():
        if topic == rest_topic:
            return name
    return None
