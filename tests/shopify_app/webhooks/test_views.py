"""Webhook intake: every refusal answers the documented status and writes no row."""

from __future__ import annotations

import json

import psycopg
import pytest
from django.db import connection
from django.utils.timezone import now

from shopify_app.models import WebhookDelivery
from tests.factories import ShopFactory
from tests.shopify_app.webhooks.conftest import SUBSCRIBED_TOPICS, example_payload


@pytest.mark.parametrize("topic", SUBSCRIBED_TOPICS)
def test_it_stores_shopifys_example_payload_of_every_subscribed_topic(
    shop, deliver, django_capture_on_commit_callbacks, topic
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = deliver(shop_domain=shop.domain, topic=topic, webhook_id="wh-1")

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get(shop=shop)
    assert (delivery.webhook_id, delivery.topic, delivery.status) == ("wh-1", topic, "pending")
    assert delivery.api_version == "2026-07"
    assert delivery.payload == example_payload(topic)
    assert delivery.triggered_at is not None
    assert len(callbacks) == 1  # the processing task, enqueued on commit


def test_a_duplicate_delivery_is_a_no_op_200(shop, deliver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = deliver(shop_domain=shop.domain, topic="orders/paid", webhook_id="same")
        again = deliver(shop_domain=shop.domain, topic="orders/paid", webhook_id="same")

    assert (first.status_code, again.status_code) == (200, 200)
    assert WebhookDelivery.objects.count() == 1
    assert len(callbacks) == 1


def test_a_second_subscription_to_one_topic_is_stored_once(shop, deliver):
    deliver(shop_domain=shop.domain, topic="orders/paid", webhook_id="a", event_id="event-1")
    response = deliver(
        shop_domain=shop.domain, topic="orders/paid", webhook_id="b", event_id="event-1"
    )

    assert response.status_code == 200
    assert WebhookDelivery.objects.count() == 1


def test_one_event_on_two_topics_is_stored_twice(shop, deliver):
    deliver(shop_domain=shop.domain, topic="orders/paid", event_id="event-1")
    deliver(shop_domain=shop.domain, topic="orders/updated", event_id="event-1")

    assert WebhookDelivery.objects.count() == 2


def test_the_same_webhook_id_in_two_shops_is_two_deliveries(shop, other_shop, deliver):
    deliver(shop_domain=shop.domain, topic="orders/paid", webhook_id="same")
    deliver(shop_domain=other_shop.domain, topic="orders/paid", webhook_id="same")

    assert WebhookDelivery.objects.count() == 2


@pytest.mark.parametrize(
    "header",
    [
        "X-Shopify-Topic",
        "X-Shopify-Hmac-Sha256",
        "X-Shopify-Shop-Domain",
        "X-Shopify-API-Version",
        "X-Shopify-Webhook-Id",
    ],
)
def test_a_missing_required_header_is_400(shop, deliver, header):
    response = deliver(shop_domain=shop.domain, topic="orders/paid", headers={header: None})

    assert response.status_code == 400
    assert header in response.content.decode()
    assert WebhookDelivery.objects.count() == 0


def test_the_event_id_is_optional(shop, deliver):
    response = deliver(
        shop_domain=shop.domain, topic="orders/paid", headers={"X-Shopify-Event-Id": None}
    )

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().event_id is None


def test_an_over_long_webhook_id_is_400(shop, deliver):
    response = deliver(shop_domain=shop.domain, topic="orders/paid", webhook_id="x" * 129)

    assert response.status_code == 400
    assert WebhookDelivery.objects.count() == 0


def test_a_forged_hmac_is_401(shop, deliver):
    response = deliver(shop_domain=shop.domain, topic="orders/paid", secret="not-our-secret")

    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0


def test_a_body_changed_after_signing_is_401(shop, deliver):
    body = json.dumps(example_payload("orders/paid")).encode()
    from tests.shopify_app.webhooks.conftest import signed_headers

    headers = signed_headers(body=body, topic="orders/paid", shop_domain=shop.domain)
    response = deliver(
        shop_domain=shop.domain,
        topic="orders/paid",
        body=body.replace(b"404.95", b"4.95"),
        headers=headers,
    )

    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0


def test_the_previous_secret_is_accepted_during_a_rotation(shop, deliver, settings):
    settings.SHOPIFY_API_SECRET_PREVIOUS = settings.SHOPIFY_API_SECRET
    settings.SHOPIFY_API_SECRET = "the-new-secret"

    response = deliver(
        shop_domain=shop.domain, topic="orders/paid", secret=settings.SHOPIFY_API_SECRET_PREVIOUS
    )

    assert response.status_code == 200
    assert WebhookDelivery.objects.count() == 1


def test_without_a_rotation_an_old_secret_is_refused(shop, deliver, settings):
    old = settings.SHOPIFY_API_SECRET
    settings.SHOPIFY_API_SECRET = "the-new-secret"
    settings.SHOPIFY_API_SECRET_PREVIOUS = ""

    response = deliver(shop_domain=shop.domain, topic="orders/paid", secret=old)

    assert response.status_code == 401


def test_a_body_over_the_limit_is_413(shop, deliver, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 1000

    response = deliver(shop_domain=shop.domain, topic="orders/paid")

    assert response.status_code == 413
    assert WebhookDelivery.objects.count() == 0


def test_a_body_at_the_limit_is_accepted(shop, deliver, settings):
    body = json.dumps(example_payload("orders/paid")).encode()
    settings.WEBHOOK_MAX_BODY_BYTES = len(body)

    response = deliver(shop_domain=shop.domain, topic="orders/paid", body=body)

    assert response.status_code == 200


def test_a_body_longer_than_its_content_length_header_is_413(shop, rf, settings):
    """A server that doesn't bound the stream by Content-Length: the bytes read count."""
    from io import BytesIO

    from shopify_app.webhooks.views import webhook_receive

    settings.WEBHOOK_MAX_BODY_BYTES = 100
    request = rf.post("/webhooks", data=b"{}", content_type="application/json")
    request._stream = BytesIO(b"{" + b" " * 200 + b"}")  # what an unbounded stream would yield

    assert webhook_receive(request).status_code == 413


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'"a string"',
        b"\xff\xfe{}",
        b'{"a": 1}{',
        b"{",
        b'{"a": NaN}',
        b"\xef\xbb\xbf{}",  # a UTF-8 byte order mark
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(shop, deliver, body):
    response = deliver(shop_domain=shop.domain, topic="orders/paid", body=body)

    assert response.status_code == 400
    assert WebhookDelivery.objects.count() == 0


def test_whitespace_around_the_json_object_is_fine(shop, deliver):
    body = b' \r\n\t{"id": 1, "note": "x"}\n'

    response = deliver(shop_domain=shop.domain, topic="orders/paid", body=body)

    assert response.status_code == 200
    assert WebhookDelivery.objects.get(shop=shop).payload == {"id": 1, "note": "x"}


def test_the_body_is_stored_byte_for_byte(shop, deliver):
    # Escapes, key order, spacing and a NUL escape (which jsonb could not hold) all survive,
    # so the stored row still matches Shopify's HMAC.
    body = b'{"note": "a\\u0000b", "z": 1,  "a": "caf\xc3\xa9"}'

    response = deliver(shop_domain=shop.domain, topic="orders/paid", body=body)

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get(shop=shop)
    assert bytes(delivery.body) == body
    assert delivery.payload == {"note": "a\x00b", "z": 1, "a": "café"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL storage setting")
def test_payloads_are_stored_lz4_compressed(shop, deliver):
    deliver(shop_domain=shop.domain, topic="orders/paid")  # ~11 kB: always compressed

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_column_compression(body) FROM shopify_app_webhookdelivery")
        assert cursor.fetchone() == ("lz4",)


def test_an_unknown_shop_is_404(db, deliver):
    response = deliver(shop_domain="nobody.myshopify.com", topic="orders/paid")

    assert response.status_code == 404
    assert WebhookDelivery.objects.count() == 0


def test_an_invalid_shop_domain_is_400(db, deliver):
    response = deliver(shop_domain="evil.myshopify.com.attacker.example", topic="orders/paid")

    assert response.status_code == 400
    assert WebhookDelivery.objects.count() == 0


def test_a_data_topic_for_an_uninstalled_shop_is_404(db, deliver):
    gone = ShopFactory(uninstalled_at=now())

    response = deliver(shop_domain=gone.domain, topic="orders/paid")

    assert response.status_code == 404
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.parametrize(
    "topic", ["app/uninstalled", "customers/data_request", "customers/redact", "shop/redact"]
)
def test_lifecycle_and_compliance_topics_are_accepted_after_uninstall(db, deliver, topic):
    gone = ShopFactory(uninstalled_at=now())

    response = deliver(shop_domain=gone.domain, topic=topic)

    assert response.status_code == 200
    assert WebhookDelivery.objects.filter(shop=gone, topic=topic).count() == 1


def test_a_compliance_topic_for_a_shop_we_no_longer_hold_is_200_without_a_row(db, deliver):
    response = deliver(shop_domain="redacted-long-ago.myshopify.com", topic="shop/redact")

    assert response.status_code == 200
    assert WebhookDelivery.objects.count() == 0


def test_a_forged_compliance_request_is_401_even_for_an_unknown_shop(db, deliver):
    response = deliver(
        shop_domain="redacted-long-ago.myshopify.com", topic="shop/redact", secret="forged"
    )

    assert response.status_code == 401


def test_only_post_is_allowed(client):
    assert client.get("/webhooks").status_code == 405
    assert client.get("/webhooks/compliance").status_code == 405


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL connection")
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_dead_connection_is_replaced_and_the_delivery_stored_once(
    shop, deliver
):
    # In the web request the intake's INSERT runs in autocommit on the thread's persistent
    # connection, without Django's per-request health check. Kill that connection's backend
    # (a database restart, an idle timeout): the delivery still gets its 200 and one row.
    connection.ensure_connection()
    backend_pid = connection.connection.info.backend_pid
    with psycopg.connect(**_admin_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])

    response = deliver(shop_domain=shop.domain, topic="orders/paid", webhook_id="after-restart")
    again = deliver(shop_domain=shop.domain, topic="orders/paid", webhook_id="after-restart")

    assert (response.status_code, again.status_code) == (200, 200)
    assert connection.connection.info.backend_pid != backend_pid
    assert WebhookDelivery.objects.filter(webhook_id="after-restart").count() == 1


def _admin_params() -> dict[str, object]:
    settings_dict = connection.settings_dict
    return {
        "host": settings_dict["HOST"],
        "port": settings_dict["PORT"],
        "user": settings_dict["USER"],
        "password": settings_dict["PASSWORD"],
        "dbname": "postgres",
    }
