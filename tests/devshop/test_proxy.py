"""devshop's app proxy forwards storefront requests to the app exactly as Shopify signs them."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from devshop import clock, proxy
from shopify_app.signatures import app_proxy_verify
from tests.devshop.conftest import SHOP
from tests.urls import urlpatterns as base_urlpatterns

RECEIVED: list[dict] = []
ANSWER: dict = {}


@csrf_exempt
def app_proxy_endpoint(request, rest=""):
    RECEIVED.append(
        {
            "method": request.method,
            "path": request.path,
            "pairs": parse_qsl(request.META["QUERY_STRING"], keep_blank_values=True),
            "body": request.body,
            "content_type": request.content_type,
            "headers": dict(request.headers),
        }
    )
    if "liquid" in ANSWER:
        return HttpResponse(ANSWER["liquid"], content_type="application/liquid")
    response = JsonResponse({"ok": True})
    response["Set-Cookie"] = "tracking=1"
    response["Server"] = "gunicorn"
    response["X-Powered-By"] = "Django"
    response["Cache-Control"] = "private, no-store"
    response["X-Loyalty"] = "kept"
    return response


urlpatterns = [
    path("receiver/proxy", app_proxy_endpoint),
    path("receiver/proxy/<path:rest>", app_proxy_endpoint),
    *base_urlpatterns,
]
pytestmark = pytest.mark.urls(__name__)

STOREFRONT = f"/store/{SHOP}"


@pytest.fixture(autouse=True)
def app(settings, inprocess_http):
    settings.DEVSHOP_APP_URL = "http://testserver/receiver"
    RECEIVED.clear()
    ANSWER.clear()


def test_signed_proxy_params_reproduce_the_published_vector(settings):
    settings.DEVSHOP_CLIENT_SECRET = "hush"
    params = proxy.signed_proxy_params(
        [("extra", "1"), ("extra", "2")],
        shop_domain="shop-name.myshopify.com",
        customer_id=1,
        path_prefix="/apps/awesome_reviews",
        timestamp=1317327555,
    )
    assert params[-1] == (
        "signature",
        "4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb",
    )


def test_signed_proxy_params_for_an_anonymous_shopper_reproduce_the_published_vector(settings):
    settings.DEVSHOP_CLIENT_SECRET = "hush"
    params = proxy.signed_proxy_params(
        [("extra", "1"), ("extra", "2")],
        shop_domain="shop-name.myshopify.com",
        customer_id=None,
        path_prefix="/apps/awesome_reviews",
        timestamp=1317327555,
    )
    assert ("logged_in_customer_id", "") in params
    assert params[-1] == (
        "signature",
        "e072b6d7e6622d85912a5214b860d3100dc1e73d9bc29f43796ac8c9ff8093cb",
    )


def test_get_is_forwarded_with_shopifys_signed_parameters(client, dev_shop):
    client.cookies["sessionid"] = "storefront-secret"
    response = client.get(f"{STOREFRONT}/apps/rewards/api/state?tag=a&tag=b&q=caf%C3%A9+au+lait")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    [forwarded] = RECEIVED
    assert forwarded["method"] == "GET"
    assert forwarded["path"] == "/receiver/proxy/api/state"
    pairs = forwarded["pairs"]
    assert [p for p in pairs if p[0] in {"tag", "q"}] == [
        ("tag", "a"),
        ("tag", "b"),
        ("q", "café au lait"),
    ]
    params = dict(pairs)
    assert params["shop"] == SHOP
    assert params["logged_in_customer_id"] == ""
    assert params["path_prefix"] == "/apps/rewards"
    assert abs(int(params["timestamp"]) - clock.now().timestamp()) < 5
    assert app_proxy_verify(pairs).valid
    # Shopify never passes the shopper's cookies to the app. (The in-process transport adds an
    # empty Cookie header of its own; what matters is that the storefront's never arrives.)
    assert "storefront-secret" not in forwarded["headers"].get("Cookie", "")
    assert forwarded["headers"]["X-Forwarded-Host"] == SHOP


def test_the_proxy_also_answers_under_a_secondary_locales_prefix(client, ada):
    # The launcher on /fr/ calls /fr/apps/rewards/... (routes.root_url "/fr"), as on Shopify.
    client.post(f"{STOREFRONT}/account/login", {"customer_id": ada.id})
    response = client.post(
        f"{STOREFRONT}/fr/apps/rewards/api/points/join", data=b"{}", content_type="application/json"
    )
    assert response.status_code == 200
    [forwarded] = RECEIVED
    assert forwarded["path"] == "/receiver/proxy/api/points/join"
    params = dict(forwarded["pairs"])
    assert params["path_prefix"] == "/apps/rewards"
    assert params["logged_in_customer_id"] == str(ada.id)
    assert app_proxy_verify(forwarded["pairs"]).valid


def test_a_tampered_forwarded_query_fails_the_apps_verification(client, dev_shop):
    client.get(f"{STOREFRONT}/apps/rewards/api/state")
    pairs = [
        (k, "7300000000999" if k == "logged_in_customer_id" else v) for k, v in RECEIVED[0]["pairs"]
    ]
    assert not app_proxy_verify(pairs).valid


def test_the_signed_in_demo_customer_is_passed_on(client, ada):
    assert client.post(f"{STOREFRONT}/account/login", {"customer_id": ada.id}).status_code == 302
    client.get(f"{STOREFRONT}/apps/rewards")
    [forwarded] = RECEIVED
    assert forwarded["path"] == "/receiver/proxy"
    assert dict(forwarded["pairs"])["logged_in_customer_id"] == str(ada.id)
    assert app_proxy_verify(forwarded["pairs"]).valid


def test_post_forwards_method_body_and_content_type(client, ada):
    client.post(f"{STOREFRONT}/account/login", {"customer_id": ada.id})
    body = {"reward_id": 3}
    response = client.post(
        f"{STOREFRONT}/apps/rewards/api/redeem", body, content_type="application/json"
    )
    assert response.status_code == 200
    [forwarded] = RECEIVED
    assert forwarded["method"] == "POST"
    assert json.loads(forwarded["body"]) == body
    assert forwarded["content_type"] == "application/json"


def test_listed_response_headers_are_stripped(client, dev_shop):
    response = client.get(f"{STOREFRONT}/apps/rewards/api/state")
    assert "Set-Cookie" not in response.headers
    assert "Server" not in response.headers
    assert "X-Powered-By" not in response.headers
    assert not response.cookies
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Loyalty"] == "kept"
    assert response.headers["Content-Type"] == "application/json"


def test_liquid_fragment_is_rendered_with_the_signed_in_customer(client, ada):
    client.post(f"{STOREFRONT}/account/login", {"customer_id": ada.id})
    ANSWER["liquid"] = "{% layout none %}<p>Hello {{ customer.first_name }} of {{ shop.name }}</p>"
    response = client.get(f"{STOREFRONT}/apps/rewards/page")
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.content.decode() == "<p>Hello Ada of Alice's Shop</p>"


def test_liquid_page_is_rendered_inside_the_theme(client, dev_shop):
    ANSWER["liquid"] = "<p id='from-app'>Rewards for {{ shop.permanent_domain }}</p>"
    html = client.get(f"{STOREFRONT}/apps/rewards/page").content.decode()
    assert "<p id='from-app'>Rewards for alice-shop.myshopify.com</p>" in html
    assert html.lstrip().startswith("<!doctype html>")
    assert 'id="loyalty-launcher-root"' in html


@pytest.mark.parametrize("path", ["/apps/other/api/state", "/tools/rewards/api/state"])
def test_a_path_that_is_not_the_apps_proxy_is_404(client, dev_shop, path):
    assert client.get(f"{STOREFRONT}{path}").status_code == 404
    assert RECEIVED == []


def test_an_unknown_shop_is_404(client, db):
    assert client.get("/store/nobody.myshopify.com/apps/rewards/x").status_code == 404


def test_an_unreachable_app_is_a_502(client, dev_shop, settings):
    settings.DEVSHOP_APP_URL = "http://127.0.0.1:9"
    assert client.get(f"{STOREFRONT}/apps/rewards/api/state").status_code == 502
