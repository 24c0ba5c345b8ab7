"""Sending webhooks as Shopify does: signed, with every ``X-Shopify-*`` header, retried on failure.

``emit(shop_domain, topic, payload)`` is the one entry point for devshop's actions. It finds
every subscription to the topic (the app-wide ones in ``shopify.app.toml`` plus the shop's
``webhookSubscriptionCreate`` ones), stores one ``DevWebhookDelivery`` per subscription and
sends them once the caller's transaction commits (Shopify never announces uncommitted data,
and the app may call devshop back while handling the webhook).

Shopify's contract (shopify-platform.md §5), reproduced here:

- POST of the JSON body; ``X-Shopify-Hmac-Sha256`` = base64 HMAC-SHA256 of the exact bytes.
- Only a 2xx counts. 3xx is a failure (redirects are not followed), as are 4xx, 5xx, timeouts
  (1 s to connect, 5 s to answer) and refused connections.
- A failed delivery is retried 8 times over about 4 hours with exponential backoff, with the
  original body and the same ``X-Shopify-Webhook-Id``. Shopify does not publish the exact
  intervals; ``RETRY_DELAYS`` doubles from ~56 s so the eight add up to 4 hours.
- A subscription made through the Admin API is deleted when a delivery to it exhausts its
  retries; app-wide (TOML) subscriptions are never deleted.

Retries are driven by devshop's clock: ``run_due()`` (the ``devshop_webhooks`` management
command, or ``POST /devshop/webhooks/run-due``) sends whatever is due, so a test advances
``devshop.clock`` instead of sleeping.

Fault knobs, for testing the app's idempotency and ordering: ``duplicate=n`` sends each
delivery n times with the same Webhook-Id; ``delay=seconds`` makes it due later; ``hold=True``
parks it until ``release_held()``, which sends the held deliveries newest first (reordered).

Not emulated: subscription ``filter`` expressions, Pub/Sub and EventBridge endpoints,
metafield namespaces.
"""

from __future__ import annotations

import functools
import json
import logging
import tomllib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F

from devshop import clock, conf, signing
from devshop import http as devshop_http
from devshop.webhooks.models import DevWebhookDelivery
from devshop.webhooks.payloads import API_VERSION

logger = logging.getLogger(__name__)

# Seconds before retry 1..8: exponential (doubling), summing to 4 hours (14,400 s).
RETRY_DELAYS: tuple[int, ...] = tuple(round(14_400 * 2**k / 255) for k in range(8))
# A claimed delivery is not due again for this long, so two senders never send it at once;
# a sender that died mid-send is covered once the lease runs out.
CLAIM_LEASE = timedelta(seconds=60)

COMPLIANCE_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})


@dataclass(frozen=True)
class Target:
    """One subscription to a topic: where its deliveries go."""

    url: str
    name: str | None = None
    subscription_id: int | None = None
    include_fields: tuple[str, ...] = ()


def app_toml_path() -> Path:
    return Path(
        getattr(settings, "DEVSHOP_APP_TOML", None) or settings.BASE_DIR / "shopify.app.toml"
    )


@functools.cache
def _app_toml(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text())


def app_config() -> dict[str, Any]:
    """The app's ``shopify.app.toml`` (devshop subscribes and proxies exactly as it says)."""
    return _app_toml(app_toml_path())


def _absolute(uri: str) -> str | None:
    """A subscription ``uri`` as a URL devshop can POST to; None for non-HTTP endpoints."""
    if uri.startswith("/"):
        return f"{conf.app_url()}{uri}"
    if uri.startswith(("https://", "http://")):
        return uri
    return None  # pubsub://… or an EventBridge ARN: not emulated


def app_subscriptions(topic: str) -> list[Target]:
    """The app-wide subscriptions to ``topic`` declared in ``shopify.app.toml``."""
    config = app_config()
    targets = []
    for sub in config.get("webhooks", {}).get("subscriptions", []):
        topics = set(sub.get("topics", [])) | set(sub.get("compliance_topics", []))
        url = _absolute(sub["uri"])
        if topic in topics and url:
            targets.append(
                Target(
                    url=url,
                    name=sub.get("name"),
                    include_fields=tuple(sub.get("include_fields", [])),
                )
            )
    return targets


def shop_subscriptions(shop_domain: str, topic: str) -> list[Target]:
    """The shop's own subscriptions (``webhookSubscriptionCreate``) to ``topic``."""
    from devshop.models import DevWebhookSubscription

    targets = []
    for sub in DevWebhookSubscription.objects.filter(shop__domain=shop_domain).order_by("id"):
        url = _absolute(sub.uri)
        if sub.topic_rest == topic and url and topic not in COMPLIANCE_TOPICS:
            targets.append(
                Target(
                    url=url,
                    name=sub.name,
                    subscription_id=sub.id,
                    include_fields=tuple(sub.include_fields or ()),
                )
            )
    return targets


def _body(payload: dict[str, Any], include_fields: tuple[str, ...]) -> bytes:
    if include_fields:
        payload = {k: v for k, v in payload.items() if k in include_fields}
    # Compact, UTF-8, like Shopify's bodies; these are the bytes the HMAC covers.
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def emit(
    shop_domain: str,
    topic: str,
    payload: dict[str, Any],
    *,
    api_version: str = API_VERSION,
    event_id: str | None = None,
    duplicate: int = 1,
    delay: float = 0,
    hold: bool = False,
) -> list[DevWebhookDelivery]:
    """Queue ``topic`` for every subscription and send it after the current transaction commits.

    Writes one ``DevWebhookDelivery`` per subscription (none if nobody subscribes). Pass the
    same ``event_id`` to the emits of one merchant action (an order that is created and paid)
    so they share ``X-Shopify-Event-Id``. In a test running inside a transaction, wrap the
    action in ``django_capture_on_commit_callbacks(execute=True)`` or call ``run_due()``.
    """
    if duplicate < 1:
        raise ValueError("duplicate is the number of sends per delivery, at least 1")
    now = clock.now()
    event_id = event_id or str(uuid.uuid4())
    targets = app_subscriptions(topic) + shop_subscriptions(shop_domain, topic)
    deliveries = [
        DevWebhookDelivery.objects.create(
            webhook_id=str(uuid.uuid4()),
            event_id=event_id,
            shop_domain=shop_domain,
            topic=topic,
            api_version=api_version,
            url=target.url,
            subscription_name=target.name,
            subscription_id=target.subscription_id,
            body=_body(payload, target.include_fields),
            triggered_at=now,
            status=DevWebhookDelivery.Status.HELD if hold else DevWebhookDelivery.Status.PENDING,
            copies=duplicate,
            next_attempt_at=None if hold else now + timedelta(seconds=delay),
            created_at=now,
        )
        for target in targets
    ]
    if not hold and delay <= 0 and deliveries:
        ids = [d.id for d in deliveries]
        transaction.on_commit(lambda: _attempt_each(ids))
    return deliveries


def headers_for(delivery: DevWebhookDelivery) -> dict[str, str]:
    """Every header Shopify sends with a delivery (shopify-platform.md §5)."""
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": delivery.topic,
        "X-Shopify-Hmac-Sha256": signing.webhook_hmac(bytes(delivery.body), conf.client_secret()),
        "X-Shopify-Shop-Domain": delivery.shop_domain,
        "X-Shopify-API-Version": delivery.api_version,
        "X-Shopify-Webhook-Id": delivery.webhook_id,
        "X-Shopify-Event-Id": delivery.event_id,
        "X-Shopify-Triggered-At": delivery.triggered_at.astimezone(UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
    }
    if delivery.subscription_name:
        headers["X-Shopify-Name"] = delivery.subscription_name
    return headers


def _claim(delivery_id: int, now: datetime) -> DevWebhookDelivery | None:
    """Take a due delivery for this sender (conditional UPDATE; rowcount 1 = ours)."""
    claimed = DevWebhookDelivery.objects.filter(
        id=delivery_id, status=DevWebhookDelivery.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM_LEASE)
    return DevWebhookDelivery.objects.get(id=delivery_id) if claimed == 1 else None


def _send(delivery: DevWebhookDelivery) -> tuple[int | None, str]:
    try:
        response = devshop_http.session.post(
            delivery.url,
            data=bytes(delivery.body),
            headers=headers_for(delivery),
            timeout=devshop_http.WEBHOOK_TIMEOUT,
            allow_redirects=False,  # a 3xx is a failed delivery, never followed
        )
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return response.status_code, ""


def attempt(delivery_id: int) -> DevWebhookDelivery | None:
    """Send one due delivery and record the outcome; None if it was not due or not ours.

    Success marks it delivered. Failure schedules the next retry from ``RETRY_DELAYS`` or,
    after the last one, marks it failed and deletes its per-shop subscription.
    """
    from devshop.models import DevWebhookSubscription

    now = clock.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    subscriptions = DevWebhookSubscription.objects.filter(id=delivery.subscription_id)
    if delivery.subscription_id is not None and not subscriptions.exists():
        delivery.status = DevWebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
        delivery.last_error = "subscription deleted"
        delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
        return delivery

    status_code, error = _send(delivery)
    # Duplicates: the same request again, same Webhook-Id; the first send decides the outcome.
    for _ in range(delivery.copies - 1):
        _send(delivery)

    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error
    delivery.attempt_log = [
        *delivery.attempt_log,
        {"at": now.isoformat(), "status": status_code, "error": error},
    ]
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = DevWebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        subscriptions.update(consecutive_failures=0)
    else:
        subscriptions.update(consecutive_failures=F("consecutive_failures") + 1)
        retry = delivery.attempts - 1  # 0 after the first attempt
        if retry < len(RETRY_DELAYS):
            delivery.next_attempt_at = now + timedelta(seconds=RETRY_DELAYS[retry])
        else:
            delivery.status = DevWebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            # Shopify removes an API-made subscription whose deliveries keep failing.
            subscriptions.delete()
        logger.info(
            "devshop webhook %s to %s failed (attempt %s): %s",
            delivery.topic,
            delivery.url,
            delivery.attempts,
            error or status_code,
        )
    delivery.save()
    return delivery


def _attempt_each(ids: list[int]) -> None:
    for delivery_id in ids:
        attempt(delivery_id)


def run_due(*, limit: int = 500) -> int:
    """Send every pending delivery that is due by devshop's clock; returns how many were tried."""
    ids = list(
        DevWebhookDelivery.objects.filter(
            status=DevWebhookDelivery.Status.PENDING, next_attempt_at__lte=clock.now()
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    tried = 0
    for delivery_id in ids:
        if attempt(delivery_id) is not None:
            tried += 1
    return tried


def release_held(*, shop_domain: str | None = None, reverse: bool = True) -> int:
    """Send the held deliveries now, newest first by default (out of order on purpose)."""
    held = DevWebhookDelivery.objects.filter(status=DevWebhookDelivery.Status.HELD)
    if shop_domain is not None:
        held = held.filter(shop_domain=shop_domain)
    ids = list(held.order_by("-id" if reverse else "id").values_list("id", flat=True))
    now = clock.now()
    DevWebhookDelivery.objects.filter(id__in=ids).update(
        status=DevWebhookDelivery.Status.PENDING, next_attempt_at=now
    )
    _attempt_each(ids)
    return len(ids)
