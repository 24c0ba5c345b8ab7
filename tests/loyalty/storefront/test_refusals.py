"""Requests the storefront API must refuse, each writing nothing: forged and stale signatures,
repeated-parameter tricks, a customer named in the body, guests, an uninstalled shop and a
closed program."""

from __future__ import annotations

import time

import pytest

from loyalty.models import Member, PointsTransaction, ProgramSettings, Redemption
from loyalty.services.program import program_settings_update
from shopify_app.models import Customer
from shopify_app.services.shops import shop_uninstall
from tests.factories import CustomerFactory, MemberFactory, RewardFactory
from tests.loyalty.conftest import credit
from tests.loyalty.storefront.conftest import signed_query


def rows() -> dict[str, int]:
    models = (Member, PointsTransaction, Redemption, ProgramSettings, Customer)
    return {m.__name__: m.objects.count() for m in models}


@pytest.fixture
def victim(shop):
    member = MemberFactory(shop=shop, customer=CustomerFactory(shop=shop, shopify_id=8_200_000_001))
    credit(member, 5000, "victim:credit")
    return member


@pytest.fixture
def reward(shop):
    return RewardFactory(shop=shop, name="$5 off", points_cost=500)


def _redeem(proxy, reward, **kw):
    return proxy.post("points/redeem", {"reward_id": reward.pk}, key="k-1", **kw)


def _victim_id(victim) -> int:
    return victim.customer.shopify_id


@pytest.mark.parametrize(
    ("signing", "code"),
    [
        ({"secret": "not-our-secret"}, "invalid_signature"),
        ({"timestamp_offset": -91}, "invalid_signature"),  # stale
        ({"timestamp_offset": 91}, "invalid_signature"),  # from the future
        ({"extra": [("shop", "charlie-shop.myshopify.com")]}, "invalid_signature"),
    ],
    ids=["forged", "stale", "future", "shop repeated"],
)
def test_a_bad_signature_is_refused_and_writes_nothing(proxy, shop, victim, reward, signing, code):
    offset = signing.pop("timestamp_offset", 0)
    query = signed_query(shop.domain, _victim_id(victim), timestamp=int(time.time()) + offset,
                         **signing)  # fmt: skip
    before = rows()

    response = _redeem(proxy, reward, query=query)

    assert response.status_code == 401
    assert response.json()["code"] == code
    assert rows() == before


def test_a_signature_within_the_window_is_accepted(proxy, shop, victim, reward):
    query = signed_query(shop.domain, _victim_id(victim), timestamp=int(time.time()) - 80)
    assert _redeem(proxy, reward, query=query).status_code == 200


def test_a_shopper_cannot_add_another_customer_id_to_the_query(proxy, shop, victim, reward):
    # Signed in as the attacker; the URL also carries the victim's id (a validly signed pair).
    attacker = MemberFactory(shop=shop)
    query = signed_query(shop.domain, attacker.customer.shopify_id,
                         extra=[("logged_in_customer_id", str(_victim_id(victim)))])  # fmt: skip
    before = rows()

    response = _redeem(proxy, reward, query=query)

    assert (response.status_code, response.json()["code"]) == (401, "invalid_signature")
    assert rows() == before


def test_a_value_split_differently_does_not_change_who_is_served(proxy, shop, victim):
    # "a=1,2" and "a=1&a=2" sign the same; neither reaches the customer id.
    query = signed_query(shop.domain, None, extra=[("a", "1"), ("a", "2")])
    body = proxy.get("state", query=query).json()
    assert body["customer"] is None


def test_a_customer_named_in_the_body_is_ignored(proxy, shop, victim, reward):
    attacker = MemberFactory(shop=shop)  # no points
    before = rows()

    response = proxy.post(
        "points/redeem",
        {"reward_id": reward.pk, "customer_id": _victim_id(victim), "logged_in_customer_id":
         _victim_id(victim)},
        customer=attacker.customer.shopify_id, key="k-2",
    )  # fmt: skip

    assert (response.status_code, response.json()["code"]) == (409, "insufficient_points")
    assert rows() == before
    victim.refresh_from_db()
    assert victim.balance == 5000


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("points/redeem", {"reward_id": 1}),
        ("points/join", {}),
        ("points/birthday", {"birthday": "1990-03-14"}),
        ("points/social", {"rule_id": 1}),
    ],
)
def test_a_guest_gets_401_on_every_write(proxy, shop, victim, path, body):
    before = rows()

    response = proxy.post(path, {**body, "customer_id": _victim_id(victim)}, customer=None)

    assert response.status_code == 401
    assert response.json()["code"] == "not_signed_in"
    assert response.json()["message"] == "Sign in to your store account to do this."
    assert rows() == before


def test_a_guest_has_no_history(proxy):
    assert proxy.get("points/history", customer=None).status_code == 401


def test_an_uninstalled_shop_is_refused_and_nothing_is_written(proxy, shop, victim, reward):
    shop_uninstall(shop=shop)
    before = rows()

    redeem = _redeem(proxy, reward, customer=_victim_id(victim))
    state = proxy.get("state", customer=_victim_id(victim))

    assert (redeem.status_code, redeem.json()["code"]) == (403, "shop_not_installed")
    assert (state.status_code, state.json()["code"]) == (403, "shop_not_installed")
    assert rows() == before


def test_an_unknown_shop_is_refused(proxy, victim):
    query = signed_query("nobody.myshopify.com", _victim_id(victim))
    assert proxy.get("state", query=query).status_code == 403


@pytest.mark.parametrize(
    ("path", "body"),
    [("points/redeem", None), ("points/join", {}), ("points/birthday", {"birthday": "1990-03-14"})],
)
def test_a_closed_program_refuses_writes(proxy, shop, victim, reward, path, body):
    program_settings_update(shop_id=shop.pk, enabled=False)
    before = rows()

    response = proxy.post(path, body or {"reward_id": reward.pk}, customer=_victim_id(victim))

    assert (response.status_code, response.json()["code"]) == (403, "program_closed")
    assert rows() == before
    state = proxy.get("state", customer=_victim_id(victim)).json()
    assert state["sections"][0]["data"]["program"]["enabled"] is False


def test_another_shops_reward_is_unavailable(proxy, shop, other_shop, victim):
    foreign = RewardFactory(shop=other_shop)
    before = rows()

    response = _redeem(proxy, foreign, customer=_victim_id(victim))

    assert (response.status_code, response.json()["code"]) == (409, "reward_unavailable")
    assert rows() == before


def test_the_state_of_a_first_visit_writes_nothing(proxy, shop, victim):
    before = rows()
    assert proxy.get("state", customer=_victim_id(victim)).status_code == 200
    assert rows() == before
