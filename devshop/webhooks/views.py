"""devshop's webhook controls: send due retries, release held deliveries, list deliveries.

A local control API for tests, the CLI and the control page. The POSTs require a JSON body so
a cross-site form cannot trigger them (browsers cannot send ``application/json`` cross-origin
without a CORS preflight, which devshop never grants).
"""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from devshop.webhooks import delivery
from devshop.webhooks.models import DevWebhookDelivery


def _json_body(request: HttpRequest) -> dict | None:
    if (request.content_type or "").lower() != "application/json":
        return None
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _bad_request() -> JsonResponse:
    return JsonResponse(
        {"error": "send a JSON object body (Content-Type: application/json)"}, status=400
    )


@csrf_exempt
@require_POST
def run_due(request: HttpRequest) -> JsonResponse:
    if _json_body(request) is None:
        return _bad_request()
    return JsonResponse({"attempted": delivery.run_due()})


@csrf_exempt
@require_POST
def release_held(request: HttpRequest) -> JsonResponse:
    body = _json_body(request)
    if body is None:
        return _bad_request()
    released = delivery.release_held(
        shop_domain=body.get("shop"), reverse=body.get("order", "reverse") == "reverse"
    )
    return JsonResponse({"released": released})


@require_GET
def delivery_list(request: HttpRequest) -> JsonResponse:
    rows = DevWebhookDelivery.objects.order_by("-id")
    if shop := request.GET.get("shop"):
        rows = rows.filter(shop_domain=shop)
    return JsonResponse(
        {
            "deliveries": [
                {
                    "webhook_id": d.webhook_id,
                    "event_id": d.event_id,
                    "shop": d.shop_domain,
                    "topic": d.topic,
                    "url": d.url,
                    "status": d.status,
                    "attempts": d.attempts,
                    "last_status_code": d.last_status_code,
                    "last_error": d.last_error,
                    "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at else None,
                }
                for d in rows[:200]
            ]
        }
    )
