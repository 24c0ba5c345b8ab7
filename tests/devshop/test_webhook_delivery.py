"""devshop delivers webhooks like Shopify: signed, with every X-Shopify-* header, retried.

The app side is a recording receiver mounted under this module's URLconf and reached over
HTTP through the in-process adapter; devshop's clock is moved instead of sleeping.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime

import pytest
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from devshop import clock, conf
from devshop.models import DevWebhookSubscription
from devshop.webhooks import delivery
from devshop.webhooks.models import DevWebhookDelivery
from tests.devshop.conftest import SHOP
from tests.urls import urlpatterns as base_urlpatterns

RECEIVED: list[dict] = []
RESPONSES: list[int] = []


@csrf_exempt
def receiver(request, rest):
    RECEIVED.append({"path": request.path, "headers": dict(request.headers), "body": request.body})
    status = RESPONSES.pop(0) if RESPONSES else 200
    response = HttpResponse(status=status)
    if 300 <= status < 400:
        response["Location"] = "/receiver/elsewhere"
    return response


urlpatterns = [path("receiver/<path:rest>", receiver), *base_urlpatterns]
pytestmark = pytest.mark.urls(__name__)

PAYLOAD = {
    "id": 820982911946154508,
    "admin_graphql_api_id": "gid://shopify/Order/1",
    "note": "café",
}


@pytest.fixture(autouse=True)
def app_receiver(settings, inprocess_http):
    settings.DEVSHOP_APP_URL = "http://testserver/receiver"
    RECEIVED.clear()
    RESPONSES.clear()
    clock.reset()
    yield
    clock.reset()


def emit(django_capture_on_commit_callbacks, *args, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return delivery.emit(*args, **kwargs)


def expected_hmac(body: bytes) -> str:
    digest = hmac.new(conf.client_secret().encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_emit_posts_a_signed_body_with_every_shopify_header(django_capture_on_commit_callbacks):
    [sent] = emit(django_capture_on_commit_callbacks, SHOP, "orders/paid", PAYLOAD)
    [request] = RECEIVED
    headers = request["headers"]
    assert request["path"] == "/receiver/webhooks"
    assert json.loads(request["body"]) == PAYLOAD
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Shopify-Hmac-Sha256"] == expected_hmac(request["body"])
    assert headers["X-Shopify-Topic"] == "orders/paid"
    assert headers["X-Shopify-Shop-Domain"] == SHOP
    assert headers["X-Shopify-Api-Version"] == "2026-07"
    assert headers["X-Shopify-Webhook-Id"] == sent.webhook_id
    assert headers["X-Shopify-Event-Id"] == sent.event_id
    triggered = datetime.fromisoformat(headers["X-Shopify-Triggered-At"])
    assert triggered.tzinfo is not None and headers["X-Shopify-Triggered-At"].endswith("Z")
    assert "X-Shopify-Name" not in headers
    sent.refresh_from_db()
    assert sent.status == DevWebhookDelivery.Status.DELIVERED
    assert sent.attempts == 1


@pytest.mark.parametrize("topic", ["customers/data_request", "customers/redact", "shop/redact"])
def test_compliance_topics_go_to_the_compliance_uri(django_capture_on_commit_callbacks, topic):
    emit(django_capture_on_commit_callbacks, SHOP, topic, {"shop_domain": SHOP})
    assert [r["path"] for r in RECEIVED] == ["/receiver/webhooks/compliance"]


def test_a_topic_nobody_subscribes_to_is_not_sent(django_capture_on_commit_callbacks):
    assert emit(django_capture_on_commit_callbacks, SHOP, "products/create", {"id": 1}) == []
    assert RECEIVED == []


def test_nothing_is_sent_before_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        delivery.emit(SHOP, "orders/create", PAYLOAD)
    assert RECEIVED == []
    assert len(callbacks) == 1


@pytest.mark.parametrize("failure", [500, 302, 404])
def test_a_non_2xx_answer_is_retried_with_the_same_webhook_id_and_body(
    django_capture_on_commit_callbacks, failure
):
    RESPONSES.append(failure)
    [sent] = emit(django_capture_on_commit_callbacks, SHOP, "orders/paid", PAYLOAD)
    sent.refresh_from_db()
    assert sent.status == DevWebhookDelivery.Status.PENDING
    assert sent.last_status_code == failure
    assert (sent.next_attempt_at - clock.now()).total_seconds() == pytest.approx(
        delivery.RETRY_DELAYS[0], abs=5
    )
    # Not due yet: nothing is sent.
    assert delivery.run_due() == 0
    clock.advance(delivery.RETRY_DELAYS[0] + 1)
    assert delivery.run_due() == 1
    first, second = RECEIVED
    assert first["headers"]["X-Shopify-Webhook-Id"] == second["headers"]["X-Shopify-Webhook-Id"]
    assert first["body"] == second["body"]
    assert first["headers"]["X-Shopify-Hmac-Sha256"] == second["headers"]["X-Shopify-Hmac-Sha256"]
    # The redirect was not followed: only the two POSTs to /webhooks arrived.
    assert [r["path"] for r in RECEIVED] == ["/receiver/webhooks"] * 2
    sent.refresh_from_db()
    assert sent.status == DevWebhookDelivery.Status.DELIVERED
    assert [a["status"] for a in sent.attempt_log] == [failure, 200]


def test_retries_stop_after_eight_over_four_hours(django_capture_on_commit_callbacks):
    RESPONSES.extend([500] * 20)
    [sent] = emit(django_capture_on_commit_callbacks, SHOP, "orders/paid", PAYLOAD)
    for delay in delivery.RETRY_DELAYS:
        clock.advance(delay + 1)
        assert delivery.run_due() == 1
    clock.advance(24 * 3600)
    assert delivery.run_due() == 0
    sent.refresh_from_db()
    assert sent.status == DevWebhookDelivery.Status.FAILED
    assert sent.attempts == 9  # the first attempt and eight retries
    assert len(RECEIVED) == 9
    assert sum(delivery.RETRY_DELAYS) == pytest.approx(4 * 3600, abs=5)
    assert list(delivery.RETRY_DELAYS) == sorted(delivery.RETRY_DELAYS)


def test_duplicate_sends_the_same_webhook_id_twice(django_capture_on_commit_callbacks):
    [sent] = emit(django_capture_on_commit_callbacks, SHOP, "orders/paid", PAYLOAD, duplicate=2)
    assert [r["headers"]["X-Shopify-Webhook-Id"] for r in RECEIVED] == [sent.webhook_id] * 2
    assert RECEIVED[0]["body"] == RECEIVED[1]["body"]


def test_duplicate_below_one_is_refused():
    with pytest.raises(ValueError, match="duplicate"):
        delivery.emit(SHOP, "orders/paid", PAYLOAD, duplicate=0)


def test_held_deliveries_are_released_newest_first(django_capture_on_commit_callbacks):
    for n in range(3):
        emit(django_capture_on_commit_callbacks, SHOP, "orders/updated", {"id": n}, hold=True)
    assert RECEIVED == []
    assert delivery.release_held(shop_domain=SHOP) == 3
    assert [json.loads(r["body"])["id"] for r in RECEIVED] == [2, 1, 0]
    assert not DevWebhookDelivery.objects.exclude(
        status=DevWebhookDelivery.Status.DELIVERED
    ).exists()


def test_a_delayed_delivery_waits_for_the_clock(django_capture_on_commit_callbacks):
    emit(django_capture_on_commit_callbacks, SHOP, "orders/paid", PAYLOAD, delay=120)
    assert delivery.run_due() == 0
    clock.advance(121)
    assert delivery.run_due() == 1
    assert len(RECEIVED) == 1


def test_one_action_shares_the_event_id_across_topics(django_capture_on_commit_callbacks):
    emit(django_capture_on_commit_callbacks, SHOP, "orders/create", PAYLOAD, event_id="evt-1")
    emit(django_capture_on_commit_callbacks, SHOP, "orders/paid", PAYLOAD, event_id="evt-1")
    assert {r["headers"]["X-Shopify-Event-Id"] for r in RECEIVED} == {"evt-1"}
    assert len({r["headers"]["X-Shopify-Webhook-Id"] for r in RECEIVED}) == 2


def _subscription(dev_shop, **fields):
    now = clock.now()
    defaults = dict(
        id=1_100_000_000_001, shop=dev_shop, topic="ORDERS_PAID", created_at=now, updated_at=now
    )
    return DevWebhookSubscription.objects.create(**{**defaults, **fields})


def test_a_shops_own_subscription_gets_its_name_and_included_fields(
    django_capture_on_commit_callbacks, dev_shop
):
    _subscription(
        dev_shop,
        uri="http://testserver/receiver/api-hooks",
        name="loyalty-paid",
        include_fields=["id"],
    )
    emit(django_capture_on_commit_callbacks, SHOP, "orders/paid", PAYLOAD)
    by_path = {r["path"]: r for r in RECEIVED}
    assert set(by_path) == {"/receiver/webhooks", "/receiver/api-hooks"}
    api = by_path["/receiver/api-hooks"]
    assert api["headers"]["X-Shopify-Name"] == "loyalty-paid"
    assert json.loads(api["body"]) == {"id": PAYLOAD["id"]}
    assert api["headers"]["X-Shopify-Hmac-Sha256"] == expected_hmac(api["body"])
    assert (
        api["headers"]["X-Shopify-Event-Id"]
        == by_path["/receiver/webhooks"]["headers"]["X-Shopify-Event-Id"]
    )


def test_an_api_subscription_is_deleted_when_its_retries_run_out(
    django_capture_on_commit_callbacks, dev_shop
):
    # Nothing listens on port 9: every attempt is a refused connection.
    subscription = _subscription(dev_shop, uri="http://127.0.0.1:9/hooks")
    deliveries = emit(django_capture_on_commit_callbacks, SHOP, "orders/paid", PAYLOAD)
    failing = next(d for d in deliveries if d.subscription_id == subscription.id)
    for delay in delivery.RETRY_DELAYS:
        clock.advance(delay + 1)
        delivery.run_due()
    failing.refresh_from_db()
    assert failing.status == DevWebhookDelivery.Status.FAILED
    assert failing.last_status_code is None
    assert "ConnectionError" in failing.last_error
    assert not DevWebhookSubscription.objects.filter(id=subscription.id).exists()


def test_run_due_endpoint_sends_due_retries(client, django_capture_on_commit_callbacks):
    RESPONSES.append(503)
    emit(django_capture_on_commit_callbacks, SHOP, "orders/paid", PAYLOAD)
    clock.advance(delivery.RETRY_DELAYS[0] + 1)
    response = client.post("/devshop/webhooks/run-due", {}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"attempted": 1}
    assert len(RECEIVED) == 2


def test_control_posts_need_a_json_body(client):
    assert client.post("/devshop/webhooks/run-due", {"x": "1"}).status_code == 400
    assert client.post("/devshop/webhooks/release-held", {"x": "1"}).status_code == 400


def test_release_held_endpoint_in_creation_order(client, django_capture_on_commit_callbacks):
    for n in range(2):
        emit(django_capture_on_commit_callbacks, SHOP, "orders/updated", {"id": n}, hold=True)
    response = client.post(
        "/devshop/webhooks/release-held",
        {"shop": SHOP, "order": "created"},
        content_type="application/json",
    )
    assert response.json() == {"released": 2}
    assert [json.loads(r["body"])["id"] for r in RECEIVED] == [0, 1]


def test_delivery_list_shows_a_shops_deliveries(client, django_capture_on_commit_callbacks):
    emit(django_capture_on_commit_callbacks, SHOP, "orders/paid", PAYLOAD)
    emit(django_capture_on_commit_callbacks, "other.myshopify.com", "orders/paid", PAYLOAD)
    rows = client.get("/devshop/webhooks/deliveries", {"shop": SHOP}).json()["deliveries"]
    assert [(r["shop"], r["topic"], r["status"]) for r in rows] == [
        (SHOP, "orders/paid", "delivered")
    ]


def test_management_command_sends_due_deliveries(django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    emit(django_capture_on_commit_callbacks, SHOP, "orders/paid", PAYLOAD, delay=30)
    clock.advance(31)
    out = StringIO()
    call_command("devshop_webhooks", stdout=out)
    assert "attempted 1" in out.getvalue()
    assert len(RECEIVED) == 1
