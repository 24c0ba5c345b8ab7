"""The frame-ancestors CSP on HTML responses (shopify_app.middleware)."""

from __future__ import annotations

import pytest
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory, override_settings

from shopify_app.middleware import EmbeddedFramingMiddleware, frame_ancestors


@pytest.mark.parametrize(
    ("shop", "expected"),
    [
        ("alice.myshopify.com", "frame-ancestors https://alice.myshopify.com https://admin.shopify.com;"),
        (None, "frame-ancestors 'none';"),
        ("", "frame-ancestors 'none';"),
        # Never trust an unvalidated value into the header.
        ("alice.myshopify.com https://evil.example", "frame-ancestors 'none';"),
        ("*", "frame-ancestors 'none';"),
        ("evil.example", "frame-ancestors 'none';"),
    ],
)  # fmt: skip
def test_frame_ancestors(shop, expected):
    assert frame_ancestors(shop) == expected


@override_settings(SHOPIFY_EXTRA_FRAME_ANCESTORS=["http://127.0.0.1:8001"])
def test_extra_frame_ancestors_for_devshop():
    assert frame_ancestors("alice.myshopify.com") == (
        "frame-ancestors https://alice.myshopify.com https://admin.shopify.com "
        "http://127.0.0.1:8001;"
    )


def _run(response, shop=None):
    request = RequestFactory().get("/")
    if shop is not None:
        request.shopify_shop_domain = shop
    return EmbeddedFramingMiddleware(lambda r: response)(request)


def test_embedded_html_loses_x_frame_options():
    response = HttpResponse("<p>hi</p>")
    response["X-Frame-Options"] = "DENY"
    response = _run(response, shop="alice.myshopify.com")
    assert "X-Frame-Options" not in response
    assert "https://alice.myshopify.com" in response["Content-Security-Policy"]


def test_other_html_keeps_x_frame_options_and_gets_none():
    response = HttpResponse("<p>hi</p>")
    response["X-Frame-Options"] = "DENY"
    response = _run(response)
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"] == "frame-ancestors 'none';"


def test_existing_policy_is_extended_not_replaced():
    response = HttpResponse("<p>hi</p>")
    response["Content-Security-Policy"] = "default-src 'self';"
    response = _run(response, shop="alice.myshopify.com")
    assert response["Content-Security-Policy"] == (
        "default-src 'self'; frame-ancestors https://alice.myshopify.com https://admin.shopify.com;"
    )


def test_json_responses_are_left_alone():
    response = _run(JsonResponse({"ok": True}), shop="alice.myshopify.com")
    assert "Content-Security-Policy" not in response


def test_every_html_page_gets_a_policy(client, db):
    # Django's own admin: not embedded, never framed.
    response = client.get("/django-admin/login/")
    assert response["Content-Security-Policy"] == "frame-ancestors 'none';"
    assert response["X-Frame-Options"] == "DENY"
