"""The WSGI front (``config.wsgi.application``): deliveries answered before Django's handler.

Requests are WSGI environs handed to the production application object, as a server would.
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from config.wsgi import application
from shopify_app.models import WebhookDelivery
from shopify_app.webhooks import wsgi
from tests.shopify_app.webhooks.conftest import example_payload, signed_headers


def _call(method: str, path: str, body: bytes = b"", headers=None, stream=None):
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": stream or io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    answer: dict[str, Any] = {}

    def start_response(status: str, response_headers, exc_info=None) -> None:
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    answer["body"] = b"".join(application(environ, start_response))
    return answer


def _delivery(shop, topic: str = "orders/paid", **extra):
    body = json.dumps(example_payload(topic)).encode()
    return body, {**signed_headers(body=body, topic=topic, shop_domain=shop.domain), **extra}


def test_a_delivery_is_stored_and_answered_without_the_browser_middleware(shop):
    body, headers = _delivery(shop)

    answer = _call("POST", "/webhooks", body, headers)

    assert (answer["status"], answer["body"]) == (200, b"OK")
    assert WebhookDelivery.objects.filter(shop=shop).count() == 1
    assert answer["headers"]["Content-Length"] == "2"
    assert answer["headers"]["X-Request-ID"]
    assert "X-Frame-Options" not in answer["headers"]  # Django's middleware never saw it


def test_the_compliance_path_is_served_too(shop):
    body, headers = _delivery(shop, "customers/redact")

    assert _call("POST", "/webhooks/compliance", body, headers)["status"] == 200


def test_refusals_keep_their_status_and_write_nothing(shop):
    body, headers = _delivery(shop)

    forged = _call("POST", "/webhooks", body + b" ", headers)
    unknown = _call("POST", "/webhooks", *_delivery_for("nobody.myshopify.com", body))

    assert (forged["status"], forged["body"]) == (401, b"Invalid HMAC")
    assert (unknown["status"], unknown["body"]) == (404, b"Unknown shop")
    assert WebhookDelivery.objects.count() == 0


def _delivery_for(domain: str, body: bytes):
    return body, signed_headers(body=body, topic="orders/paid", shop_domain=domain)


def test_an_upstream_request_id_is_kept_and_a_malformed_one_replaced(shop):
    body, headers = _delivery(shop, **{"X-Request-ID": "lb-0123456789"})
    kept = _call("POST", "/webhooks", body, headers)
    body, headers = _delivery(shop, **{"X-Request-ID": "<script>"})
    replaced = _call("POST", "/webhooks", body, headers)

    assert kept["headers"]["X-Request-ID"] == "lb-0123456789"
    assert replaced["headers"]["X-Request-ID"] != "<script>"


def test_the_body_is_read_only_up_to_its_content_length(shop):
    # Django's runserver hands over the raw connection: reading past the declared length
    # would wait for bytes that never come. Here the stream holds more than declared.
    body, headers = _delivery(shop)
    stream = io.BytesIO(body + b"trailing bytes of the next request")

    answer = _call("POST", "/webhooks", body, headers, stream=stream)

    assert answer["status"] == 200
    assert stream.tell() == len(body)


def test_a_body_over_the_limit_is_413(shop, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 100
    body, headers = _delivery(shop)

    assert _call("POST", "/webhooks", body, headers)["status"] == 413
    assert WebhookDelivery.objects.count() == 0


def test_other_methods_and_paths_go_to_django(db):
    assert _call("GET", "/webhooks")["status"] == 405
    health = _call("GET", "/healthz")
    assert health["headers"]["X-Frame-Options"] == "DENY"  # the whole middleware stack


def test_an_unexpected_error_is_logged_and_answered_500_so_shopify_retries(
    shop, monkeypatch, caplog
):
    def broken(meta, read):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(wsgi, "intake", broken)
    body, headers = _delivery(shop)

    with caplog.at_level(logging.ERROR, logger="shopify_app.webhooks.wsgi"):
        answer = _call("POST", "/webhooks", body, headers)

    assert answer["status"] == 500
    assert "database on fire" in caplog.text
