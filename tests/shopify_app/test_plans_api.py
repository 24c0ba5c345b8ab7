"""``/api/admin/plans``: the plans and the current one, and subscribing through devshop's
confirmation page (the plan changes only once Shopify reports the charge active)."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings

from shopify_app import admin_api
from shopify_app.models import Shop
from shopify_app.services import billing
from shopify_app.services.credentials import shop_credential_store
from tests.loyalty.api.conftest import AdminClient

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


@pytest.fixture
def app_shop(shop, devshop, inprocess_http):
    scope = ",".join(settings.SHOPIFY_SCOPES)
    shop_credential_store(shop=shop, token_response={"access_token": devshop.token, "scope": scope})
    redis.Redis.from_url(settings.REDIS_URL).delete(admin_api._bucket_key(shop))
    return shop


def test_the_plans_and_the_current_one(app_shop):
    body = AdminClient(app_shop).get("/api/admin/plans").json()

    assert body["current"] == "free"
    assert [(p["handle"], p["price"], p["trial_days"]) for p in body["plans"]] == [
        ("free", None, 0),
        ("pro", "29.00", 14),
    ]


def test_a_paid_plan_goes_through_the_confirmation_page(app_shop, devshop):
    admin = AdminClient(app_shop)

    answer = admin.post("/api/admin/plans/subscribe", {"plan": "pro"}).json()

    assert answer["plan"] == "free" and answer["confirmation_url"]
    assert admin.get("/api/admin/plans").json()["current"] == "free"  # not before approval
    page = answer["confirmation_url"].removeprefix("http://testserver")
    assert devshop.client.post(page, {"decision": "approve"}).status_code == 302
    billing.billing_plan_sync(shop=app_shop)  # what the return to the app does
    assert admin.get("/api/admin/plans").json()["current"] == "pro"

    back = admin.post("/api/admin/plans/subscribe", {"plan": "free"}).json()
    assert back == {"plan": "free", "confirmation_url": None}
    assert Shop.objects.get(pk=app_shop.pk).app_plan == "free"


@pytest.mark.parametrize("body", [{"plan": "gold"}, {}])
def test_an_unknown_plan_answers_400(app_shop, body):
    response = AdminClient(app_shop).post("/api/admin/plans/subscribe", body)

    assert response.status_code == 400
    assert "plan" in response.json()["extra"]["fields"]
