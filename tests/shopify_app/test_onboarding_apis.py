"""``/api/admin/sync`` (the initial sync's progress) and ``/api/admin/launcher`` (whether the
launcher's app embed is on in the main theme, read from devshop's theme through the Admin API,
and the theme editor deep link that turns it on)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
from django.conf import settings

from devshop.models import DevTheme
from shopify_app import admin_api
from shopify_app.models import SyncRun
from shopify_app.services.credentials import shop_credential_store
from tests.loyalty.api.conftest import TOKEN, AdminClient

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


@pytest.fixture
def app_shop(shop, devshop, inprocess_http):
    scope = ",".join(settings.SHOPIFY_SCOPES)
    shop_credential_store(shop=shop, token_response={"access_token": devshop.token, "scope": scope})
    redis.Redis.from_url(settings.REDIS_URL).delete(admin_api._bucket_key(shop))
    return shop


@pytest.fixture
def installed(shop):
    shop_credential_store(shop=shop, token_response=TOKEN)
    return shop


def _run(shop, resource, **fields):
    return SyncRun.objects.create(shop=shop, kind="initial", resource=resource, **fields)


def test_no_run_yet_is_no_progress(installed):
    body = AdminClient(installed).get("/api/admin/sync").json()

    assert body == {"done": False, "failed": False, "fraction": 0.0, "runs": []}


def test_progress_is_the_share_of_each_result_file_imported(installed, other_shop):
    _run(installed, "customers", status="completed", records_processed=40, object_count=40)
    _run(
        installed,
        "orders",
        status="importing",
        bytes_offset=250,
        file_size=1000,
        records_processed=9,
    )
    _run(other_shop, "orders", status="failed", error="ACCESS_DENIED")

    body = AdminClient(installed).get("/api/admin/sync").json()

    assert (body["done"], body["failed"], body["fraction"]) == (False, False, 0.625)
    assert [(r["resource"], r["status"], r["fraction"]) for r in body["runs"]] == [
        ("customers", "completed", 1.0),
        ("orders", "importing", 0.25),
    ]


def test_a_run_still_at_shopify_counts_as_not_started_and_a_failure_is_reported(installed):
    _run(installed, "customers", status="running")
    _run(installed, "orders", status="failed", error="INTERNAL_SERVER_ERROR")

    body = AdminClient(installed).get("/api/admin/sync").json()

    assert (body["done"], body["failed"], body["fraction"]) == (False, True, 0.0)
    assert body["runs"][1]["error"] == "INTERNAL_SERVER_ERROR"


def test_the_launcher_is_off_until_the_merchant_saves_the_deep_link(app_shop, devshop):
    admin = AdminClient(app_shop)

    before = admin.get("/api/admin/launcher")
    assert before.status_code == 200, before.json()
    assert before.json()["active"] is False
    assert before.json()["theme_name"] == "Dawn"
    link = urlsplit(before.json()["editor_url"])
    assert link.path == f"/store/{app_shop.domain}/admin/themes/current/editor"
    assert parse_qs(link.query) == {
        "context": ["apps"],
        "activateAppId": [f"{settings.SHOPIFY_API_KEY}/launcher"],
    }

    editor = devshop.client.get(f"{link.path}?{link.query}")
    assert editor.status_code == 200
    saved = devshop.client.post(link.path, {"activateAppId": parse_qs(link.query)["activateAppId"]})
    assert saved.status_code == 200
    assert admin.get("/api/admin/launcher").json()["active"] is True

    devshop.client.post(
        link.path, {"activateAppId": f"{settings.SHOPIFY_API_KEY}/launcher", "enabled": "0"}
    )
    assert admin.get("/api/admin/launcher").json()["active"] is False


def test_another_apps_id_in_the_deep_link_is_refused(app_shop, devshop):
    path = f"/store/{app_shop.domain}/admin/themes/current/editor"

    response = devshop.client.post(path, {"activateAppId": "someone-else/launcher"})

    assert response.status_code == 400
    assert all(
        "launcher" not in t.settings_data for t in DevTheme.objects.filter(shop=devshop.shop)
    )


def test_a_settings_file_with_a_comment_header_or_bad_json_is_read_safely(app_shop, devshop):
    theme = DevTheme.objects.create(shop=devshop.shop, role="MAIN")
    block = {"type": "shopify://apps/loyalty/blocks/launcher/x", "disabled": False}
    theme.settings_data = "/* generated */\n" + json.dumps({"current": {"blocks": {"1": block}}})
    theme.save()
    admin = AdminClient(app_shop)
    assert admin.get("/api/admin/launcher").json()["active"] is True

    theme.settings_data = "{not json"
    theme.save()
    assert admin.get("/api/admin/launcher").json()["active"] is False


def test_the_launcher_check_says_when_shopify_does_not_answer(installed):
    response = AdminClient(installed).get("/api/admin/launcher")  # no Shopify behind the token

    assert response.status_code == 503
    assert response.json()["code"] == "shopify_unavailable"
