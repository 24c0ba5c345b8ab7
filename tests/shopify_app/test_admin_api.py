"""The Admin GraphQL client against devshop: data, userErrors, throttling, retries, 401.

devshop implements Shopify's leaky bucket and THROTTLED on its own movable clock. The client's
waits run on that clock too (``_sleep``/``_now`` patched to advance it), so throttling is
exercised for real without the test sleeping. Failures devshop cannot produce (5xx, 429) are
forced by patching ``admin_api._post`` for one call.
"""

from __future__ import annotations

import pytest
import redis
import requests
from django.conf import settings

from devshop import clock as devshop_clock
from shopify_app import admin_api, crypto
from shopify_app.exceptions import (
    ReauthorizationRequired,
    ShopifyRetriableError,
    ShopifyUserErrors,
)
from shopify_app.graphql import webhooks as documents
from shopify_app.models import ShopCredential
from shopify_app.services.credentials import shop_credential_store

SHOP_QUERY = "query ShopName { shop { name } }"


@pytest.fixture
def app_shop(shop, devshop, inprocess_http):
    """Our Shop holding devshop's offline token, with a clean Redis bucket."""
    shop_credential_store(shop=shop, token_response={"access_token": devshop.token, "scope": ""})
    redis.Redis.from_url(settings.REDIS_URL).delete(admin_api._bucket_key(shop))
    admin_api._document_costs.clear()
    return shop


@pytest.fixture
def waits(monkeypatch):
    """Every wait the client makes, served by moving devshop's clock instead of sleeping."""
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        devshop_clock.advance(seconds)

    monkeypatch.setattr(admin_api, "_sleep", sleep)
    monkeypatch.setattr(admin_api, "_now", lambda: devshop_clock.now().timestamp())
    return slept


def _small_bucket(devshop, maximum=60.0, rate=10.0):
    devshop.shop.throttle_maximum = maximum
    devshop.shop.throttle_restore_rate = rate
    devshop.shop.save(update_fields=["throttle_maximum", "throttle_restore_rate"])


def test_execute_returns_data(app_shop, devshop, inprocess_http):
    data = admin_api.execute(shop=app_shop, document=SHOP_QUERY)

    assert data["shop"]["name"] == devshop.shop.name
    request = inprocess_http.requests[-1]
    assert request.url.endswith(f"/admin/api/{settings.SHOPIFY_API_VERSION}/graphql.json")
    assert request.headers["X-Shopify-Access-Token"] == devshop.token


def test_mutate_returns_the_payload(app_shop):
    payload = admin_api.mutate(
        shop=app_shop,
        document=documents.WEBHOOK_SUBSCRIPTION_CREATE,
        variables={
            "topic": "ORDERS_PAID",
            "webhookSubscription": {"uri": "https://app.example.com/webhooks", "format": "JSON"},
        },
        field="webhookSubscriptionCreate",
    )

    assert payload["webhookSubscription"]["topic"] == "ORDERS_PAID"


def test_mutate_raises_user_errors(app_shop):
    variables = {
        "topic": "ORDERS_PAID",
        "webhookSubscription": {"uri": "https://app.example.com/webhooks", "format": "JSON"},
    }
    kwargs = {
        "document": documents.WEBHOOK_SUBSCRIPTION_CREATE,
        "field": "webhookSubscriptionCreate",
    }
    admin_api.mutate(shop=app_shop, variables=variables, **kwargs)

    with pytest.raises(ShopifyUserErrors) as raised:
        admin_api.mutate(shop=app_shop, variables=variables, **kwargs)

    assert "already been taken" in raised.value.user_errors[0]["message"]


def test_top_level_errors_raise_graphql_query_error(app_shop):
    with pytest.raises(admin_api.GraphqlQueryError) as raised:
        admin_api.execute(shop=app_shop, document="query { shop { loyaltyPoints } }")

    assert raised.value.errors


TOPICS = ["ORDERS_PAID", "ORDERS_CREATE", "ORDERS_UPDATED", "CUSTOMERS_CREATE", "CUSTOMERS_UPDATE"]


def _subscribe(shop, topic):
    """A mutation: 10 points requested and 10 actually spent."""
    return admin_api.mutate(
        shop=shop,
        document=documents.WEBHOOK_SUBSCRIPTION_CREATE,
        variables={
            "topic": topic,
            "webhookSubscription": {"uri": "https://app.example.com/webhooks", "format": "JSON"},
        },
        field="webhookSubscriptionCreate",
    )


def test_the_bucket_is_tracked_and_the_client_waits_instead_of_being_throttled(
    app_shop, devshop, waits, inprocess_http
):
    _small_bucket(devshop, maximum=25.0, rate=1.0)

    for topic in TOPICS:
        _subscribe(app_shop, topic)

    assert waits, "the client should have waited for the bucket to refill"
    assert len(inprocess_http.requests) == len(TOPICS)  # none sent only to be THROTTLED


def test_throttled_is_retried_after_the_wait_shopify_asks_for(
    app_shop, devshop, waits, inprocess_http
):
    _small_bucket(devshop, maximum=25.0, rate=1.0)
    _subscribe(app_shop, TOPICS[0])
    _subscribe(app_shop, TOPICS[1])  # 5 points left at Shopify
    # Another process's view, or a lost update: ours believes the bucket is full.
    redis.Redis.from_url(settings.REDIS_URL).delete(admin_api._bucket_key(app_shop))

    _subscribe(app_shop, TOPICS[2])

    assert len(inprocess_http.requests) == 4  # two, THROTTLED, the retry
    assert len(waits) == 1
    assert 4.0 < waits[0] <= 5.0  # (requested 10 - available 5) / restoreRate 1


def test_a_revoked_token_is_dropped_and_reported(app_shop, devshop):
    ShopCredential.objects.filter(shop=app_shop).delete()
    shop_credential_store(
        shop=app_shop, token_response={"access_token": "shpat_revoked", "scope": ""}
    )

    with pytest.raises(ReauthorizationRequired):
        admin_api.execute(shop=app_shop, document=SHOP_QUERY)

    assert not ShopCredential.objects.filter(shop=app_shop).exists()


def test_a_401_keeps_a_pair_stored_meanwhile_and_retries_with_it(
    app_shop, devshop, waits, monkeypatch
):
    # The request goes out with a token Shopify no longer accepts; while it is in flight
    # another worker stores a fresh pair (a refresh, a re-exchange). The 401 concerns only the
    # old token: the fresh pair must survive and serve the retry.
    ShopCredential.objects.filter(shop=app_shop).delete()
    shop_credential_store(shop=app_shop, token_response={"access_token": "shpat_old", "scope": ""})
    real_post = admin_api._post
    sent: list[str] = []

    def post(shop, token, document, variables):
        sent.append(token)
        response = real_post(shop, token, document, variables)
        if token == "shpat_old":
            shop_credential_store(
                shop=shop, token_response={"access_token": devshop.token, "scope": ""}
            )
        return response

    monkeypatch.setattr(admin_api, "_post", post)

    data = admin_api.execute(shop=app_shop, document=SHOP_QUERY)

    assert "shop" in data
    assert sent == ["shpat_old", devshop.token]
    assert len(waits) == 1  # one backoff before the retry
    assert crypto.decrypt(ShopCredential.objects.get(shop=app_shop).access_token) == devshop.token


def _response(status: int, headers: dict | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    response._content = b"upstream trouble"
    return response


def _failing_first(monkeypatch, *failures):
    real_post = admin_api._post
    queue = list(failures)

    def post(shop, token, document, variables):
        if queue:
            failure = queue.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        return real_post(shop, token, document, variables)

    monkeypatch.setattr(admin_api, "_post", post)


def test_5xx_and_dropped_connections_are_retried_with_backoff(app_shop, waits, monkeypatch):
    _failing_first(monkeypatch, _response(502), requests.ConnectionError("reset"), _response(503))

    data = admin_api.execute(shop=app_shop, document=SHOP_QUERY)

    assert "shop" in data
    assert len(waits) == 3
    assert waits[0] < waits[1] < waits[2]  # exponential


def test_429_waits_retry_after(app_shop, waits, monkeypatch):
    _failing_first(monkeypatch, _response(429, {"Retry-After": "2.0"}))

    admin_api.execute(shop=app_shop, document=SHOP_QUERY)

    assert waits == [2.0]


def test_retries_are_bounded(app_shop, waits, monkeypatch):
    _failing_first(monkeypatch, *[_response(500)] * admin_api.MAX_ATTEMPTS)

    with pytest.raises(ShopifyRetriableError):
        admin_api.execute(shop=app_shop, document=SHOP_QUERY)

    assert len(waits) == admin_api.MAX_ATTEMPTS - 1


def test_a_4xx_is_not_retried(app_shop, waits, monkeypatch):
    _failing_first(monkeypatch, _response(404))

    with pytest.raises(admin_api.ShopifyHttpError) as raised:
        admin_api.execute(shop=app_shop, document=SHOP_QUERY)

    assert raised.value.status == 404
    assert waits == []
