"""Webhook intake: ``POST /webhooks`` and ``POST /webhooks/compliance`` (``intake``).

In production the WSGI front (``shopify_app.webhooks.wsgi``, wrapped around Django's
application in ``config.wsgi``) answers these requests itself; the Django view below answers
them wherever Django's own handler runs (the test client). Both call ``intake``.

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
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shopify_app import signatures
from shopify_app.services.webhook_intake import Receipt, webhook_delivery_receive
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


class _Headers:
    """The request headers we read, straight from the WSGI environ (``request.META``).

    ``request.headers`` would first build a mapping of every header (18 name conversions per
    delivery), more work than the seven lookups the intake makes; and the WSGI front
    (``shopify_app.webhooks.wsgi``) has no Django request at all.
    """

    __slots__ = ("_meta",)

    def __init__(self, meta: Mapping[str, Any]) -> None:
        self._meta = meta

    def get(self, name: str) -> str | None:
        return self._meta.get("HTTP_" + name.upper().replace("-", "_"))

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value


def _read_body(meta: Mapping[str, Any], read: Callable[[int], bytes], limit: int) -> bytes | None:
    """The raw body, or None when it is over ``limit`` bytes (declared or actually sent)."""
    try:
        declared = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    # Read one byte more than allowed: a server that doesn't bound the stream by
    # Content-Length (chunked uploads) must not make us buffer an unbounded body.
    body = read(limit + 1)
    return None if len(body) > limit else body


def _triggered_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None  # informational only; never a reason to refuse a delivery
    return parsed if parsed.tzinfo is not None else None


def intake(meta: Mapping[str, Any], read: Callable[[int], bytes]) -> tuple[int, str]:
    """Receive one delivery: the status and plain-text message to answer with (table above).

    ``meta`` is the WSGI environ (``request.META``) and ``read(n)`` reads up to ``n`` bytes of
    the body; both adapters, this module's Django view and the WSGI front, pass their own.
    """
    body = _read_body(meta, read, settings.WEBHOOK_MAX_BODY_BYTES)
    if body is None:
        return 413, "Payload too large"

    headers = _Headers(meta)
    missing = [name for name in REQUIRED_HEADERS if not headers.get(name)]
    if missing:
        return 400, f"Missing headers: {', '.join(missing)}"
    topic = headers["X-Shopify-Topic"].strip()
    webhook_id = headers["X-Shopify-Webhook-Id"].strip()
    event_id = (headers.get("X-Shopify-Event-Id") or "").strip() or None
    if max(len(topic), len(webhook_id), len(event_id or "")) > _MAX_ID_LENGTH:
        return 400, "Header value too long"

    verification = signatures.webhook_verify(body, headers["X-Shopify-Hmac-Sha256"])
    if not verification.valid:
        # The HMAC itself is never logged.
        logger.warning("webhook refused (%s) for topic %s", verification.reason, topic)
        return 401, "Invalid HMAC"

    domain = signatures.shop_domain_sanitize(headers["X-Shopify-Shop-Domain"])
    if domain is None:
        return 400, "Invalid shop domain"
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
        return 400, "Body is not a JSON object"
    if receipt is Receipt.UNKNOWN_SHOP:
        if topic in COMPLIANCE_TOPICS:
            return 200, "Nothing held for this shop"
        return 404, "Unknown shop"
    if receipt is Receipt.NOT_INSTALLED:
        return 404, "Shop not installed"
    return 200, "OK"


@csrf_exempt
@require_POST
def webhook_receive(request: HttpRequest) -> HttpResponse:
    """The intake as a Django view: what the URLconf routes to when the WSGI front is not in
    the way (Django's test client, or a server given Django's own WSGI application)."""
    status, message = intake(request.META, request.read)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
