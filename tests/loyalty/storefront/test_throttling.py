"""Storefront rate limits: per customer and per shopper IP, 429 with Retry-After.

The suite runs with limits off (config/settings/test.py); each test turns one on and uses an
identity of its own (a fresh customer id or IP), so requests of earlier runs within the same
minute, still counted in Redis, cannot change the outcome.
"""

from __future__ import annotations

import uuid

from django.test import override_settings

from tests.factories import CustomerFactory


def _id(member) -> int:
    return member.customer.shopify_id


@override_settings(STOREFRONT_THROTTLE_RATES={"storefront_customer": "3/min",
                                              "storefront_ip": None})  # fmt: skip
def test_a_customer_over_the_limit_gets_429_with_retry_after(proxy, shop, shopper):
    # A customer id of its own, so earlier runs within the minute do not count.
    customer = CustomerFactory(shop=shop, shopify_id=uuid.uuid4().int % 10**12)
    answers = [proxy.get("state", customer=customer.shopify_id) for _ in range(4)]
    other = proxy.get("state", customer=_id(shopper))

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[3].json()["code"] == "throttled"
    assert 0 < int(answers[3]["Retry-After"]) <= 60
    assert other.status_code == 200


@override_settings(STOREFRONT_THROTTLE_RATES={"storefront_customer": None,
                                              "storefront_ip": "2/min"})  # fmt: skip
def test_an_ip_over_the_limit_gets_429_whoever_is_signed_in(client, proxy, shop):
    ip = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    # Shopify appends the shopper's address; a value the client put in front is ignored.
    client.defaults["HTTP_X_FORWARDED_FOR"] = f"1.2.3.4, {ip}"
    answers = [proxy.get("state", customer=n) for n in (None, 1, 2)]
    client.defaults["HTTP_X_FORWARDED_FOR"] = f"5.6.7.8, {ip}"
    spoofed = proxy.get("state")

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert spoofed.status_code == 429
    assert "Retry-After" in answers[2]


def test_the_shopper_ip_is_counted_back_from_the_end_of_x_forwarded_for(rf, settings):
    from shopify_app.throttling import shopper_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.1.1.1, 10.0.0.2", REMOTE_ADDR="10.0.0.9")
    settings.STOREFRONT_PROXY_HOPS = 2  # Shopify, then our load balancer
    assert shopper_ip(request) == "1.1.1.1"
    settings.STOREFRONT_PROXY_HOPS = 0  # nothing in front: the peer is the shopper
    assert shopper_ip(request) == "10.0.0.9"
    assert shopper_ip(rf.get("/", REMOTE_ADDR="10.0.0.9")) == "10.0.0.9"
