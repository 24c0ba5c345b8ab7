"""Per-shop webhook subscriptions ensured through devshop's Admin API."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from django.conf import settings

from devshop.models import DevWebhookSubscription
from shopify_app.services import shops, subscriptions
from shopify_app.services.credentials import shop_credential_store
from shopify_app.tasks import webhook_subscriptions_ensure_hook


@pytest.fixture
def app_shop(shop, devshop, inprocess_http):
    shop_credential_store(shop=shop, token_response={"access_token": devshop.token, "scope": ""})
    return shop


def test_every_toml_topic_but_compliance_is_subscribed(app_shop, devshop):
    created = subscriptions.webhook_subscriptions_ensure(shop=app_shop)

    expected = {subscriptions.topic_enum(t) for t in subscriptions.subscribed_topics()}
    assert set(created) == expected
    assert "CUSTOMERS_REDACT" not in expected and "SHOP_REDACT" not in expected
    rows = DevWebhookSubscription.objects.filter(shop=devshop.shop)
    assert {r.topic for r in rows} == expected
    assert {r.uri for r in rows} == {f"{settings.APP_URL}/webhooks"}


def test_ensuring_again_creates_nothing(app_shop, devshop):
    subscriptions.webhook_subscriptions_ensure(shop=app_shop)

    assert subscriptions.webhook_subscriptions_ensure(shop=app_shop) == []


def test_only_missing_topics_are_created(app_shop, devshop):
    subscriptions.webhook_subscriptions_ensure(shop=app_shop)
    DevWebhookSubscription.objects.filter(shop=devshop.shop, topic="ORDERS_PAID").delete()

    assert subscriptions.webhook_subscriptions_ensure(shop=app_shop) == ["ORDERS_PAID"]


def test_every_topic_is_in_shopifys_topic_enum():
    path = Path(settings.BASE_DIR) / "shopify_app/schema/admin_2026-07.json.gz"
    with gzip.open(path) as f:
        types = json.load(f)["data"]["__schema"]["types"]
    enum = next(t for t in types if t["name"] == "WebhookSubscriptionTopic")
    values = {v["name"] for v in enum["enumValues"]}

    assert {subscriptions.topic_enum(t) for t in subscriptions.subscribed_topics()} <= values


def test_it_is_a_post_install_hook():
    assert webhook_subscriptions_ensure_hook in shops.post_install_hooks
