"""The operator's view of the inbox: replay failed deliveries; download data exports."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shopify_app.models import CustomerDataExport, WebhookDelivery


@pytest.fixture
def operator_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("operator", "op@example.com", "pw")
    client.force_login(user)
    return client


def _delivery(shop, status, webhook_id):
    return WebhookDelivery.objects.create(
        shop=shop, webhook_id=webhook_id, topic="orders/paid", payload={}, status=status, attempts=8
    )


def test_replay_action_requeues_failed_deliveries_only(
    shop, operator_client, django_capture_on_commit_callbacks
):
    failed = _delivery(shop, "failed", "a")
    done = _delivery(shop, "done", "b")

    with django_capture_on_commit_callbacks() as callbacks:
        response = operator_client.post(
            "/django-admin/shopify_app/webhookdelivery/",
            {"action": "replay", "_selected_action": [failed.pk, done.pk]},
            follow=True,
        )

    assert response.status_code == 200
    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert done.status == "done"
    assert len(callbacks) == 1


def test_the_failed_list_renders(shop, operator_client):
    _delivery(shop, "failed", "a")

    response = operator_client.get("/django-admin/shopify_app/webhookdelivery/?status=failed")

    assert response.status_code == 200
    assert b"orders/paid" in response.content


def test_a_delivery_page_shows_its_body_as_json(shop, operator_client):
    delivery = WebhookDelivery.objects.create(
        shop=shop, webhook_id="a", topic="orders/paid", body=b'{"id":7,"note":"caf\xc3\xa9"}'
    )

    response = operator_client.get(
        f"/django-admin/shopify_app/webhookdelivery/{delivery.pk}/change/"
    )

    assert response.status_code == 200
    assert "&quot;note&quot;: &quot;café&quot;" in response.content.decode()


def test_download_action_returns_the_exports_as_json(shop, operator_client):
    export = CustomerDataExport.objects.create(
        shop=shop,
        data_request_id=9999,
        data={"shopify": {"customer": None}},
        created_at=timezone.now(),
    )

    response = operator_client.post(
        "/django-admin/shopify_app/customerdataexport/",
        {"action": "download", "_selected_action": [export.pk]},
    )

    assert response["Content-Type"] == "application/json"
    assert response.json()[0]["data_request_id"] == 9999
