"""Webhook intake: ``POST /webhooks`` and ``POST /webhooks/compliance`` (one view).

Answer fast and only after the delivery is durable (shopify-platform.md §5, §6): a 200 means
the row is committed in the inbox; anything else makes Shopify retry (8 times over 4 hours).
Checks run cheapest-first and every refusal writes nothing:

=====================================================  ======
body larger than ``WEBHOOK_MAX_BODY_BYTES``             413
a required header missing (or an over-long id)          400
HMAC over the raw body wrong (current or previous key)  401
body not a JSON object (checked by the parser the       400
worker reads it with)
shop unknown, or uninstalled (lifecycle and compliance  404
topics excepted: ``shop/redact`` comes 48 h after
uninstall)
duplicate (same Webhook-Id, or same topic + Event-Id)   200, no new row
stored                                                  200
=====================================================  ======

A compliance delivery for a shop we no longer hold (deleted by ``shop/redact``) is answered
200 without a row: we hold nothing, so the request is fulfilled, and a 404 would only make
Shopify retry for hours.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shopify_app import signatures
from shopify_app.services.webhooks import Receipt, webhook_delivery_receive
from shopify_app.webhooks.payloads import InvalidPayload

logger = logging.getLogger(__name__)

# Shopify's headers that the JS library treats as required (shopify-platform.md §5).
REQUIRED_HEADERS = (
    "X-Shopify-Topic",
    "X-Shopify-Hmac-Sha256",
    "X-Shopify-Shop-Domain",
    "X-Shopify-API-Version",
    "X-Shopify-Webhook-Id",
)
COMPLIANCE_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})
# Accepted for a shop that has uninstalled the app: the uninstall itself (it may arrive after
# we marked the shop uninstalled some other way) and the privacy requests that follow it.
ACCEPTED_WHEN_UNINSTALLED = COMPLIANCE_TOPICS | {"app/uninstalled"}
# Column sizes of WebhookDelivery.
_MAX_ID_LENGTH = 128


def _text(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    # Served before CommonMiddleware (shopify_app.middleware.WebhookIntakeMiddleware), which
    # would add it; without it the server would frame the answer as chunked.
    response["Content-Length"] = str(len(response.content))
    return response


class _Headers:
    """``request.headers``' lookups for the names we read, straight from the WSGI environ."""

    __slots__ = ("_meta",)

    def __init__(self, meta: dict[str, Any]) -> None:
        self._meta = meta

    def get(self, name: str) -> str | None:
        return self._meta.get("HTTP_" + name.upper().replace("-", "_"))

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value


def _read_body(request: HttpRequest, limit: int) -> bytes | None:
    """The raw body, or None when it is over ``limit`` bytes (declared or actually sent)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    # Read one byte more than allowed: a server that doesn't bound the stream by
    # Content-Length (chunked uploads) must not make us buffer an unbounded body.
    body = request.read(limit + 1)
    return None if len(body) > limit else body


def _triggered_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None  # informational only; never a reason to refuse a delivery
    return parsed if parsed.tzinfo is not None else None


@csrf_exempt
@require_POST
def webhook_receive(request: HttpRequest) -> HttpResponse:
    body = _read_body(request, settings.WEBHOOK_MAX_BODY_BYTES)
    if body is None:
        return _text(413, "Payload too large")

    # Read from META directly: ``request.headers`` first builds a mapping of every header
    # (18 name conversions per delivery), more work than the seven lookups we make.
    headers = _Headers(request.META)
    missing = [name for name in REQUIRED_HEADERS if not headers.get(name)]
    if missing:
        return _text(400, f"Missing headers: {', '.join(missing)}")
    topic = headers["X-Shopify-Topic"].strip()
    webhook_id = headers["X-Shopify-Webhook-Id"].strip()
    event_id = (headers.get("X-Shopify-Event-Id") or "").strip() or None
    if max(len(topic), len(webhook_id), len(event_id or "")) > _MAX_ID_LENGTH:
        return _text(400, "Header value too long")

    verification = signatures.webhook_verify(body, headers["X-Shopify-Hmac-Sha256"])
    if not verification.valid:
        # The HMAC itself is never logged.
        logger.warning("webhook refused (%s) for topic %s", verification.reason, topic)
        return _text(401, "Invalid HMAC")

    domain = signatures.shop_domain_sanitize(headers["X-Shopify-Shop-Domain"])
    if domain is None:
        return _text(400, "Invalid shop domain")
    try:
        receipt = webhook_delivery_receive(
            shop_domain=domain,
            webhook_id=webhook_id,
            topic=topic,
            api_version=headers["X-Shopify-API-Version"].strip()[:16],
            event_id=event_id,
            triggered_at=_triggered_at(headers.get("X-Shopify-Triggered-At")),
            body=body,
            accept_uninstalled=topic in ACCEPTED_WHEN_UNINSTALLED,
        )
    except InvalidPayload:
        return _text(400, "Body is not a JSON object")
    if receipt is Receipt.UNKNOWN_SHOP:
        if topic in COMPLIANCE_TOPICS:
            return _text(200, "Nothing held for this shop")
        return _text(404, "Unknown shop")
    if receipt is Receipt.NOT_INSTALLED:
        return _text(404, "Shop not installed")
    return _text(200, "OK")
