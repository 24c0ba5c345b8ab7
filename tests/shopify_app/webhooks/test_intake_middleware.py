"""The intake is served before the browser-oriented middleware; other paths are not."""

from __future__ import annotations

from django.test import override_settings

from shopify_app.models import WebhookDelivery


def test_a_delivery_skips_the_browser_middleware_but_keeps_its_request_id(shop, deliver):
    response = deliver(shop_domain=shop.domain, topic="orders/paid")

    assert response.status_code == 200
    assert WebhookDelivery.objects.filter(shop=shop).count() == 1
    assert response["X-Request-ID"]
    assert response["Content-Length"] == str(len(response.content))
    # XFrameOptionsMiddleware and SessionMiddleware never saw it.
    assert "X-Frame-Options" not in response
    assert "Vary" not in response


def test_the_compliance_path_is_served_early_too(shop, deliver):
    response = deliver(shop_domain=shop.domain, topic="customers/redact")

    assert response.status_code == 200
    assert "X-Frame-Options" not in response


def test_the_intake_still_refuses_other_methods(client):
    assert client.get("/webhooks").status_code == 405


def test_other_paths_go_through_the_whole_stack(db, client):
    response = client.get("/healthz")

    assert response["X-Frame-Options"] == "DENY"


def test_without_the_middleware_the_urlconf_still_routes_deliveries(shop, deliver, settings):
    middleware = [m for m in settings.MIDDLEWARE if not m.endswith("WebhookIntakeMiddleware")]
    with override_settings(MIDDLEWARE=middleware):
        response = deliver(shop_domain=shop.domain, topic="orders/paid")

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"  # it went through the whole stack
    assert WebhookDelivery.objects.filter(shop=shop).count() == 1
