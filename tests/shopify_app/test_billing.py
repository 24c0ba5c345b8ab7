"""Billing against devshop's confirmation flow, and app_subscriptions/update."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from unittest import mock

import pytest
import redis
from django.conf import settings

from devshop.models import DevAppSubscription, DevShop
from shopify_app import admin_api
from shopify_app.models import Shop, WebhookDelivery
from shopify_app.services import billing
from shopify_app.services.credentials import shop_credential_store
from shopify_app.services.webhooks import webhook_deliveries_process
from shopify_app.sync import tasks

EXAMPLE = Path("devshop/data/webhook-schemas/2026-07/metadatas/app_subscriptions/update.json")


@pytest.fixture
def app_shop(shop, devshop, inprocess_http):
    shop_credential_store(shop=shop, token_response={"access_token": devshop.token, "scope": ""})
    redis.Redis.from_url(settings.REDIS_URL).delete(admin_api._bucket_key(shop))
    return shop


def _decide(devshop, confirmation_url: str, decision: str):
    path = confirmation_url.removeprefix("http://testserver")
    assert devshop.client.get(path).status_code == 200  # the merchant sees the page
    return devshop.client.post(path, {"decision": decision})


def test_paid_plan_is_active_only_after_the_merchant_approves(app_shop, devshop):
    result = billing.billing_plan_subscribe(shop=app_shop, plan="pro")

    assert result.plan == "free" and result.confirmation_url
    subscription = DevAppSubscription.objects.get(shop=devshop.shop)
    assert subscription.status == "PENDING" and subscription.name == billing.PRO.name
    assert subscription.return_url == billing.billing_return_url(shop=app_shop)

    response = _decide(devshop, result.confirmation_url, "approve")
    assert response.status_code == 302
    assert response["Location"].startswith(billing.billing_return_url(shop=app_shop))
    assert billing.billing_plan_sync(shop=app_shop) == "pro"
    assert Shop.objects.get(pk=app_shop.pk).app_plan == "pro"


def _browse(client, url: str) -> str:
    """What the merchant's browser does from ``url``: follow redirects, then enter the admin's
    app iframe, and return the app's page."""
    for _ in range(5):
        response = client.get(url.removeprefix("http://testserver"))
        if response.status_code != 302:
            break
        url = response["Location"]
    assert response.status_code == 200, (url, response.status_code)
    frame = re.search(r'<iframe id="app-iframe"[^>]* src="([^"]+)"', response.content.decode())
    if frame is None:
        return response.content.decode()
    app_page = client.get(html.unescape(frame.group(1)).removeprefix("http://testserver"))
    assert app_page.status_code == 200
    return app_page.content.decode()


def test_returning_from_the_confirmation_page_lands_in_the_app_with_the_plan(
    app_shop, devshop, client, settings
):
    # The admin is devshop's, as in `make dev`: Shopify's is https://admin.shopify.com.
    settings.SHOPIFY_ADMIN_APP_URL_TEMPLATE = "http://testserver/devshop/{host}/apps/{client_id}"
    result = billing.billing_plan_subscribe(shop=app_shop, plan="pro")

    response = _decide(devshop, result.confirmation_url, "approve")
    page = _browse(client, response["Location"])

    assert '<div id="app"></div>' in page  # the embedded app, not an error page
    assert Shop.objects.get(pk=app_shop.pk).app_plan == "pro"  # no webhook needed first


def test_declined_plan_leaves_the_shop_free(app_shop, devshop):
    result = billing.billing_plan_subscribe(shop=app_shop, plan="pro")

    _decide(devshop, result.confirmation_url, "decline")

    assert billing.billing_plan_sync(shop=app_shop) == "free"


@pytest.mark.parametrize(
    ("plan_name", "setting", "expected"),
    [("basic", False, False), ("partner_test", False, True), ("basic", True, True)],
    ids=["live-store", "development-store", "setting"],
)
def test_test_charges_on_development_stores(
    app_shop, devshop, settings, plan_name, setting, expected
):
    settings.SHOPIFY_BILLING_TEST = setting
    DevShop.objects.filter(pk=devshop.shop.pk).update(plan_name=plan_name)

    billing.billing_plan_subscribe(shop=app_shop, plan="pro")

    assert DevAppSubscription.objects.get(shop=devshop.shop).test is expected


def test_free_plan_needs_no_charge(app_shop, devshop):
    result = billing.billing_plan_subscribe(shop=app_shop, plan="free")

    assert result == billing.SubscribeResult(plan="free", confirmation_url=None)
    assert not DevAppSubscription.objects.filter(shop=devshop.shop).exists()


def test_free_plan_cancels_the_paid_one(app_shop, devshop):
    result = billing.billing_plan_subscribe(shop=app_shop, plan="pro")
    _decide(devshop, result.confirmation_url, "approve")
    billing.billing_plan_sync(shop=app_shop)

    downgraded = billing.billing_plan_subscribe(shop=app_shop, plan="free")

    assert downgraded == billing.SubscribeResult(plan="free", confirmation_url=None)
    assert DevAppSubscription.objects.get(shop=devshop.shop).status == "CANCELLED"
    assert Shop.objects.get(pk=app_shop.pk).app_plan == "free"


def test_unknown_plan_is_refused(app_shop):
    with pytest.raises(billing.UnknownPlan):
        billing.billing_plan_subscribe(shop=app_shop, plan="platinum")


def _update(shop, name: str, status: str, webhook_id: str) -> WebhookDelivery:
    payload = json.loads(EXAMPLE.read_text())["response"]  # Shopify's example body
    payload["app_subscription"].update(name=name, status=status)
    return WebhookDelivery.objects.create(
        shop=shop, webhook_id=webhook_id, topic="app_subscriptions/update", payload=payload
    )


def _process(delivery, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.billing_plan_sync, "delay") as settle,
        django_capture_on_commit_callbacks(execute=True),
    ):
        webhook_deliveries_process(delivery_id=delivery.pk, batch=0)
    delivery.refresh_from_db()
    assert delivery.status == "done"
    settle.assert_called_once_with(delivery.shop_id)  # Shopify has the final word


def test_update_webhook_keeps_the_plan_current(shop, django_capture_on_commit_callbacks):
    _process(_update(shop, billing.PRO.name, "ACTIVE", "w1"), django_capture_on_commit_callbacks)
    assert Shop.objects.get(pk=shop.pk).app_plan == "pro"

    _process(_update(shop, billing.PRO.name, "FROZEN", "w2"), django_capture_on_commit_callbacks)
    assert Shop.objects.get(pk=shop.pk).app_plan == "free"


def test_cancelling_a_subscription_not_ours_does_not_downgrade(shop):
    Shop.objects.filter(pk=shop.pk).update(app_plan="pro")
    delivery = _update(shop, "Some Old Plan", "CANCELLED", "w1")

    webhook_deliveries_process(delivery_id=delivery.pk, batch=0)

    assert Shop.objects.get(pk=shop.pk).app_plan == "pro"


def test_example_payload_of_an_unknown_plan_changes_nothing(shop):
    payload = json.loads(EXAMPLE.read_text())["response"]  # "Webhook Test", PENDING
    delivery = WebhookDelivery.objects.create(
        shop=shop, webhook_id="w1", topic="app_subscriptions/update", payload=payload
    )

    webhook_deliveries_process(delivery_id=delivery.pk, batch=0)

    delivery.refresh_from_db()
    assert delivery.status == "done"
    assert Shop.objects.get(pk=shop.pk).app_plan == "free"
