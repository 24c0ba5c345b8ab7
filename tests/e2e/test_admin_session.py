"""An expired session token: the app's API answers 401 with Shopify's retry header, App Bridge
(devshop's stand-in) asks the admin for a fresh token and retries, and the page loads."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import jwt
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.conftest import SHOP


def test_an_expired_session_token_is_replaced_and_the_page_recovers(stack, shop, page):
    issued: list[str] = []
    an_hour_ago = int(time.time()) - 3600

    def token(route):
        fresh = route.fetch()
        if issued:  # the retry: devshop's real, fresh token
            issued.append("fresh")
            route.fulfill(response=fresh)
            return
        # The first token the app is given expired an hour ago (a laptop woken from sleep).
        # Signed with the app's secret (the fresh token verifies with it): refused only for its age.
        claims = jwt.decode(
            fresh.json()["id_token"],
            settings.SHOPIFY_API_SECRET,
            algorithms=["HS256"],
            audience=settings.SHOPIFY_API_KEY,
        )
        claims.update(iat=an_hour_ago, nbf=an_hour_ago, exp=an_hour_ago + 60)
        expired = jwt.encode(claims, settings.SHOPIFY_API_SECRET, algorithm="HS256")
        issued.append("expired")
        route.fulfill(response=fresh, body=json.dumps({"id_token": expired}))

    page.route("**/devshop/admin/*/id-token", token)
    # The browser's clock reads the token's issue time, so App Bridge takes the expired token
    # as valid (as it does when the machine's clock is behind); the app's server knows better.
    page.clock.set_fixed_time(datetime.fromtimestamp(an_hour_ago + 1, UTC))
    statuses: list[int] = []

    def seen(response) -> None:
        if "/api/admin/" in response.url:  # the first page's first call (FirstRun's check)
            statuses.append(response.status)

    page.on("response", seen)

    page.goto(stack.admin_frame(SHOP))

    app = page.frame_locator("#app-iframe")
    expect(app.get_by_role("heading", name="E2E Goods")).to_be_visible()
    assert issued == ["expired", "fresh"]
    assert statuses[0] == 401 and statuses[1:] and set(statuses[1:]) == {200}, statuses
    expect(app.get_by_role("alert")).to_have_count(0)
