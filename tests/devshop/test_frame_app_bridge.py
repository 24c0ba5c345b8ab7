"""The App Bridge stand-in (devshop/frame/app-bridge.js), run by node against a fake browser.

tests/crosscheck/app_bridge_check.mjs loads the script with a fake admin parent that answers
token requests (after a forged message from another origin, which must be ignored) and a fake
fetch that records requests. node is required: missing, the tests fail.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(settings.BASE_DIR)
SCRIPT = REPO / "devshop" / "frame" / "app-bridge.js"


def run(scenario: str) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the App Bridge stand-in tests need Node 20+")
    result = subprocess.run(
        [node, "app_bridge_check.mjs", str(SCRIPT)],
        input=json.dumps({"scenario": scenario}),
        capture_output=True,
        text=True,
        cwd=REPO / "tests" / "crosscheck",
        timeout=30,
    )
    if result.returncode != 0:
        pytest.fail(f"app_bridge_check.mjs failed: {result.stderr}")
    return json.loads(result.stdout)


def test_id_token_asks_the_devshop_admin_and_caches_the_answer():
    result = run("idToken")
    assert result["first"].endswith(".token-1")
    assert result["second"] == result["first"]
    assert result["asked"] == ["http://devshop.test"]


def test_fetch_adds_the_bearer_token_to_the_apps_own_requests_only():
    own, relative, foreign = run("fetchPatch")["requests"]
    assert own["headers"]["authorization"].endswith(".token-1")
    assert relative["url"] == "https://app.example.test/api/admin/program"
    assert relative["headers"]["authorization"].endswith(".token-1")
    assert relative["body"] == '{"a":1}'
    assert relative["headers"]["content-type"] == "application/json"
    assert "authorization" not in foreign["headers"]


def test_a_401_with_the_retry_header_is_retried_once_with_a_fresh_token():
    result = run("retryOn401")
    first, retry, other = result["requests"]
    assert first["headers"]["authorization"].endswith(".token-1")
    assert retry["headers"]["authorization"].endswith(".token-2")
    assert retry["body"] == first["body"] == "payload"
    assert result["retriedStatus"] == 200
    # Without the header a 401 is the app's answer, not a reason to retry.
    assert other["url"].endswith("/api/admin/other")
    assert result["plainStatus"] == 401


def test_the_bounce_page_reloads_with_a_fresh_id_token():
    [navigation] = run("bounceReload")["navigations"]
    assert navigation["replace"].startswith(
        "https://app.example.test/?embedded=1&shop=alice-shop.myshopify.com&id_token="
    )
    assert navigation["replace"].endswith(".token-1")


def test_toast_is_shown_by_the_admin():
    result = run("toast")
    assert result["posted"] == [
        {
            "message": {
                "type": "devshop:toast",
                "message": "Saved",
                "isError": True,
                "duration": 5000,
            },
            "targetOrigin": "http://devshop.test",
        }
    ]


def test_outside_the_admin_it_goes_to_the_admin_url_host_names():
    result = run("outsideAdmin")
    assert result["navigations"] == [
        {
            "assign": "http://devshop.test/devshop/admin.shopify.com/store/alice-shop/apps/devshop-client-id"
        }
    ]
    assert result["embedded"] is False
    assert "not inside the devshop admin" in result["error"]


def test_app_extensions_come_from_the_admin():
    result = run("extensions")
    assert result["asked"] == ["devshop:extensions"]
    assert result["extensions"][0]["handle"] == "loyalty-launcher"
