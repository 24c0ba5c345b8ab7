# ruff: noqa: E501
"""appSubscriptionCreate, the confirmation page, and currentAppInstallation."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from devshop.webhooks.models import DevWebhookDelivery

CREATE = """mutation($items: [AppSubscriptionLineItemInput!]!) {
  appSubscriptionCreate(name: "Pro", returnUrl: "http://testserver/billing/return", test: true, lineItems: $items) {
    appSubscription { id status } confirmationUrl userErrors { field message } } }"""
ITEMS = [
    {
        "plan": {
            "appRecurringPricingDetails": {
                "price": {"amount": "19.00", "currencyCode": "USD"},
                "interval": "EVERY_30_DAYS",
            }
        }
    }
]
ACTIVE = "{ currentAppInstallation { activeSubscriptions { name status test lineItems { plan { pricingDetails { ... on AppRecurringPricing { price { amount } interval } } } } } } }"


def _create(devshop):
    return devshop.data(CREATE, {"items": ITEMS})["appSubscriptionCreate"]


def test_create_is_pending_until_approved(devshop):
    payload = _create(devshop)
    path = urlsplit(payload["confirmationUrl"]).path

    page = devshop.client.get(path)
    approved = devshop.client.post(path, {"decision": "approve"})

    assert payload["appSubscription"]["status"] == "PENDING" and payload["userErrors"] == []
    assert page.status_code == 200 and b"Approve" in page.content
    assert approved.status_code == 302
    assert approved["Location"].startswith("http://testserver/billing/return?charge_id=")
    assert devshop.data(ACTIVE)["currentAppInstallation"]["activeSubscriptions"] == [
        {
            "name": "Pro",
            "status": "ACTIVE",
            "test": True,
            "lineItems": [
                {
                    "plan": {
                        "pricingDetails": {"price": {"amount": "19.0"}, "interval": "EVERY_30_DAYS"}
                    }
                }
            ],
        }
    ]
    update = json.loads(DevWebhookDelivery.objects.get(topic="app_subscriptions/update").body)
    assert update["app_subscription"]["status"] == "ACTIVE"


def test_decline(devshop):
    path = urlsplit(_create(devshop)["confirmationUrl"]).path

    devshop.client.post(path, {"decision": "decline"})

    assert devshop.data(ACTIVE)["currentAppInstallation"]["activeSubscriptions"] == []
    update = json.loads(DevWebhookDelivery.objects.get(topic="app_subscriptions/update").body)
    assert update["app_subscription"]["status"] == "DECLINED"


def test_approving_a_new_plan_cancels_the_old_one(devshop):
    first = urlsplit(_create(devshop)["confirmationUrl"]).path
    devshop.client.post(first, {"decision": "approve"})
    second = urlsplit(_create(devshop)["confirmationUrl"]).path

    devshop.client.post(second, {"decision": "approve"})

    statuses = [
        json.loads(d.body)["app_subscription"]["status"]
        for d in DevWebhookDelivery.objects.order_by("id")
    ]
    assert statuses == ["ACTIVE", "CANCELLED", "ACTIVE"]
    assert len(devshop.data(ACTIVE)["currentAppInstallation"]["activeSubscriptions"]) == 1


def test_blank_name_is_a_user_error(devshop):
    payload = devshop.data(CREATE.replace('name: "Pro"', 'name: " "'), {"items": ITEMS})[
        "appSubscriptionCreate"
    ]

    assert payload["appSubscription"] is None
    assert payload["userErrors"] == [{"field": ["name"], "message": "Name can't be blank"}]


def test_cancel_an_active_subscription(devshop):
    payload = _create(devshop)
    devshop.client.post(urlsplit(payload["confirmationUrl"]).path, {"decision": "approve"})

    cancelled = devshop.data(
        "mutation($id: ID!) { appSubscriptionCancel(id: $id, prorate: true) { appSubscription { status } userErrors { message } } }",
        {"id": payload["appSubscription"]["id"]},
    )["appSubscriptionCancel"]

    assert cancelled == {"appSubscription": {"status": "CANCELLED"}, "userErrors": []}
    assert devshop.data(ACTIVE)["currentAppInstallation"]["activeSubscriptions"] == []
