"""Helpers shared by devshop's views."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest

from devshop.models import DevShop


def shop_or_404(shop_domain: str) -> DevShop:
    shop = DevShop.objects.filter(domain=shop_domain).first()
    if shop is None:
        raise Http404(f"devshop has no shop {shop_domain}")
    return shop


def request_params(request: HttpRequest) -> dict[str, Any]:
    """Body parameters, JSON or form-encoded (Shopify accepts both), over the query string."""
    params: dict[str, Any] = dict(request.GET.items())
    content_type = (request.content_type or "").lower()
    if content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            body = None
        if isinstance(body, dict):
            params.update(body)
    else:
        params.update(request.POST.items())
    return params


def truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}
