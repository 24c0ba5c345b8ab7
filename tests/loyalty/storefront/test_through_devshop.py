"""The launcher's requests through devshop's app proxy, as a shopper's browser sends them to
``/apps/rewards/...`` on the store: signed by the proxy, the customer from the store session."""

from __future__ import annotations

import uuid

import pytest

from loyalty.models import Redemption
from tests.factories import RewardFactory
from tests.loyalty.conftest import credit, devshop_connect, devshop_member


@pytest.fixture
def store(settings, inprocess_http, shop):
    settings.DEVSHOP_APP_URL = "http://testserver"
    dev_shop = devshop_connect(shop)
    return dev_shop, f"/store/{shop.domain}"


def test_a_guest_and_then_a_signed_in_member_load_the_state_through_the_proxy(client, shop, store):
    dev_shop, storefront = store
    member = devshop_member(shop, dev_shop)
    credit(member, 700, "c:1")

    guest = client.get(f"{storefront}/apps/rewards/api/state")
    client.post(f"{storefront}/account/login", {"customer_id": member.customer.shopify_id})
    signed_in = client.get(f"{storefront}/apps/rewards/api/state")

    assert guest.status_code == 200, guest.content
    assert guest.json()["customer"] is None
    assert signed_in.json()["customer"]["id"] == str(member.customer.shopify_id)
    assert signed_in.json()["sections"][0]["data"]["member"]["balance"] == 700


def test_a_retried_redeem_through_the_proxy_spends_once(client, shop, store):
    dev_shop, storefront = store
    member = devshop_member(shop, dev_shop)
    credit(member, 1000, "c:1")
    reward = RewardFactory(shop=shop, points_cost=500)
    client.post(f"{storefront}/account/login", {"customer_id": member.customer.shopify_id})
    key = uuid.uuid4()

    answers = [
        client.post(f"{storefront}/apps/rewards/api/points/redeem?idempotency_key={key}",
                    data={"reward_id": reward.pk}, content_type="application/json")
        for _ in range(2)
    ]  # fmt: skip

    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json()["result"]["code"] == answers[1].json()["result"]["code"]
    assert Redemption.objects.count() == 1


def test_a_guest_write_through_the_proxy_is_401(client, shop, store):
    _, storefront = store
    response = client.post(f"{storefront}/apps/rewards/api/points/join", data={},
                           content_type="application/json")  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (401, "not_signed_in")
