"""Concurrent redeems over real HTTP: Granian serves ``config.wsgi:application`` in its own
process (as in production, tests/config/test_production_server.py) and threads send signed
proxy requests at once. The member lock must let exactly as many through as the balance pays
for, and a double-clicked redeem (one Idempotency-Key) must spend once.
"""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from loyalty.models import Redemption
from tests.factories import CustomerFactory, MemberFactory, RewardFactory, ShopFactory
from tests.granian import granian_server
from tests.loyalty.conftest import assert_consistent, credit
from tests.loyalty.storefront.conftest import signed_query

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the server's own process needs a shared database"
)


@pytest.fixture
def server(transactional_db):
    # Two processes of eight threads: requests really overlap, across processes too.
    with granian_server(workers=2, threads=8) as port:
        yield port


def _redeem(port: int, shop_domain: str, customer_id: int, reward_id: int, key: str):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            f"/proxy/api/points/redeem?{signed_query(shop_domain, customer_id)}",
            body=json.dumps({"reward_id": reward_id}),
            headers={"Content-Type": "application/json", "Idempotency-Key": key},
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def _member_with_points(points: int):
    shop = ShopFactory(domain="alice-shop.myshopify.com")
    member = MemberFactory(shop=shop, customer=CustomerFactory(shop=shop))
    credit(member, points, "grant")
    reward = RewardFactory(shop=shop, name="$5 off", points_cost=500)
    return shop, member, reward


def test_200_concurrent_redeems_against_a_balance_for_10_give_exactly_10_codes(server):
    shop, member, reward = _member_with_points(5000)
    customer_id = member.customer.shopify_id

    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(
            pool.map(
                lambda n: _redeem(server, shop.domain, customer_id, reward.pk, f"click-{n}"),
                range(200),
            )
        )

    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 10 + [409] * 190, {s: statuses.count(s) for s in set(statuses)}
    assert {body["code"] for status, body in answers if status == 409} == {"insufficient_points"}
    codes = {body["result"]["code"] for status, body in answers if status == 200}
    assert len(codes) == 10
    assert set(Redemption.objects.filter(member=member).values_list("code", flat=True)) == codes
    member.refresh_from_db()
    assert member.balance == 0
    assert_consistent(member)


def test_a_double_clicked_redeem_over_http_spends_once(server):
    shop, member, reward = _member_with_points(5000)
    customer_id = member.customer.shopify_id

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(
                lambda _: _redeem(server, shop.domain, customer_id, reward.pk, "one-intent"),
                range(20),
            )
        )

    assert {status for status, _ in answers} == {200}
    assert len({body["result"]["code"] for _, body in answers}) == 1
    assert Redemption.objects.filter(member=member).count() == 1
    member.refresh_from_db()
    assert member.balance == 4500
