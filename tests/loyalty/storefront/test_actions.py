"""The launcher's writes: join, redeem, birthday, social follow — each idempotent, each
answering the points section as it now stands; and the history pages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loyalty.models import Member, PointsTransaction, Redemption
from loyalty.services.program import program_settings_update
from tests.factories import CustomerFactory, EarningRuleFactory, RewardFactory
from tests.loyalty.conftest import assert_consistent, credit


def _id(member) -> int:
    return member.customer.shopify_id


def test_a_signed_in_customer_joins_an_opt_in_program_once(proxy, shop):
    program_settings_update(shop_id=shop.pk, enrolment="opt_in")
    customer = CustomerFactory(shop=shop)
    state = proxy.get("state", customer=customer.shopify_id).json()
    assert state["sections"][0]["data"]["program"]["can_join"] is True

    first = proxy.post("points/join", customer=customer.shopify_id)
    again = proxy.post("points/join", customer=customer.shopify_id)

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["result"] == {"state": "active"}
    assert first.json()["data"]["member"]["balance"] == 0
    assert first.json()["data"]["program"]["can_join"] is False
    assert Member.objects.filter(shop=shop, customer=customer).count() == 1


def test_join_before_the_account_is_synced_is_a_clear_404(proxy, shop):
    response = proxy.post("points/join", customer=9_999_999)
    assert (response.status_code, response.json()["code"]) == (404, "customer_not_found")
    assert Member.objects.count() == 0


def test_redeem_answers_the_code_and_the_new_section(proxy, shop, shopper):
    credit(shopper, 1200, "c:1")
    reward = RewardFactory(shop=shop, points_cost=500, amount=Decimal("5.00"))

    response = proxy.post("points/redeem", {"reward_id": reward.pk}, customer=_id(shopper),
                          key="click-1")  # fmt: skip

    assert response.status_code == 200
    body = response.json()
    redemption = Redemption.objects.get()
    assert body["section"] == "points"
    assert body["result"] == {"code": redemption.code, "redemption_id": str(redemption.pk),
                              "points": 500, "status": "pending"}  # fmt: skip
    member = body["data"]["member"]
    assert (member["balance"], member["balance_value"]) == (700, "7.00")
    assert member["codes"][0]["code"] == redemption.code
    assert member["history"]["entries"][0]["explanation"].startswith("500 points spent on $5 off")
    assert_consistent(shopper)


def test_a_repeated_idempotency_key_spends_once_and_returns_the_same_code(proxy, shop, shopper):
    credit(shopper, 1200, "c:1")
    reward = RewardFactory(shop=shop, points_cost=500)
    post = lambda: proxy.post("points/redeem", {"reward_id": reward.pk}, customer=_id(shopper),  # noqa: E731
                              key="double-click")  # fmt: skip

    first, second = post().json(), post().json()

    assert first["result"]["code"] == second["result"]["code"]
    assert Redemption.objects.count() == 1
    assert second["data"]["member"]["balance"] == 700


def test_a_new_key_is_a_new_redemption_until_the_points_run_out(proxy, shop, shopper):
    credit(shopper, 1200, "c:1")
    reward = RewardFactory(shop=shop, points_cost=500)
    codes = [
        proxy.post("points/redeem", {"reward_id": reward.pk}, customer=_id(shopper), key=f"k{n}")
        for n in range(3)
    ]
    assert [r.status_code for r in codes] == [200, 200, 409]
    assert codes[2].json()["code"] == "insufficient_points"
    assert Redemption.objects.count() == 2


def test_a_variable_reward_takes_points_in_steps(proxy, shop, shopper):
    credit(shopper, 1000, "c:1")
    reward = RewardFactory(shop=shop, kind="variable_amount", name="$ off", points_cost=100,
                           amount=Decimal("1.00"), min_points=100, max_points=800)  # fmt: skip
    off_step = proxy.post("points/redeem", {"reward_id": reward.pk, "points": 150},
                          customer=_id(shopper), key="a")  # fmt: skip
    ok = proxy.post("points/redeem", {"reward_id": reward.pk, "points": 300},
                    customer=_id(shopper), key="b")  # fmt: skip

    assert (off_step.status_code, off_step.json()["code"]) == (400, "invalid_reward_points")
    assert ok.status_code == 200
    assert ok.json()["result"]["points"] == 300
    assert Redemption.objects.get().amount == Decimal("3.00")
    [offer] = ok.json()["data"]["rewards"]
    assert (offer["variable"], offer["step"], offer["value_per_step"]) == (True, 100, "1.00")


@pytest.mark.parametrize("body", [{}, {"reward_id": "x"}, {"reward_id": 0}, []])
def test_a_malformed_redeem_is_invalid(proxy, shopper, body):
    response = proxy.post("points/redeem", body, customer=_id(shopper))
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert Redemption.objects.count() == 0


def test_a_bad_idempotency_key_is_refused(proxy, shop, shopper):
    reward = RewardFactory(shop=shop)
    response = proxy.post("points/redeem", {"reward_id": reward.pk}, customer=_id(shopper),
                          key="x" * 256)  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (400, "invalid_idempotency_key")


def test_the_birthday_is_set_once(proxy, shop, shopper):
    EarningRuleFactory(shop=shop, kind="birthday", handle="", name="Birthday", points=100)

    first = proxy.post("points/birthday", {"birthday": "1990-03-14"}, customer=_id(shopper))
    retry = proxy.post("points/birthday", {"birthday": "1990-03-14"}, customer=_id(shopper))
    moved = proxy.post("points/birthday", {"birthday": "1990-04-14"}, customer=_id(shopper))
    bad = proxy.post("points/birthday", {"birthday": "14/03/1990"}, customer=_id(shopper))

    assert (first.status_code, retry.status_code) == (200, 200)
    [way] = [w for w in first.json()["data"]["ways_to_earn"] if w["kind"] == "birthday"]
    assert (way["done"], way["birthday"]) == (True, "1990-03-14")
    assert (moved.status_code, moved.json()["code"]) == (409, "birthday_already_set")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_birthday")
    shopper.refresh_from_db()
    assert shopper.birthday.isoformat() == "1990-03-14"


def test_a_social_follow_is_credited_once(proxy, shop, shopper):
    rule = EarningRuleFactory(shop=shop, kind="social_follow", network="instagram", handle="",
                              name="Follow us on Instagram", points=50,
                              url="https://instagram.com/alice")  # fmt: skip

    first = proxy.post("points/social", {"rule_id": rule.pk}, customer=_id(shopper), key="s1")
    again = proxy.post("points/social", {"rule_id": rule.pk}, customer=_id(shopper), key="s2")

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["result"] == again.json()["result"]
    assert again.json()["data"]["member"]["balance"] == 50
    [way] = [w for w in again.json()["data"]["ways_to_earn"] if w["kind"] == "social_follow"]
    assert (way["done"], way["url"], way["network"]) == (True, "https://instagram.com/alice",
                                                         "instagram")  # fmt: skip
    assert PointsTransaction.objects.filter(member=shopper).count() == 1


def test_a_rule_that_is_not_a_social_follow_cannot_be_claimed(proxy, shop, shopper):
    rule = EarningRuleFactory(shop=shop, kind="custom", handle="secret", points=1000)
    response = proxy.post("points/social", {"rule_id": rule.pk}, customer=_id(shopper))
    assert (response.status_code, response.json()["code"]) == (404, "rule_unavailable")
    assert PointsTransaction.objects.count() == 0


def test_a_non_member_is_told_to_join(proxy, shop):
    customer = CustomerFactory(shop=shop)
    reward = RewardFactory(shop=shop)
    response = proxy.post("points/redeem", {"reward_id": reward.pk}, customer=customer.shopify_id)
    assert (response.status_code, response.json()["code"]) == (404, "not_enrolled")


def test_the_history_pages_through_every_entry_once(proxy, shop, shopper):
    for n in range(25):
        credit(shopper, n + 1, f"c:{n}", note=f"Order #{1000 + n}")
    first = proxy.get("state", customer=_id(shopper)).json()["sections"][0]["data"]["member"]
    pages, cursor = [first["history"]["entries"]], first["history"]["next_cursor"]
    while cursor:
        page = proxy.get("points/history", customer=_id(shopper), extra=[("cursor", cursor)]).json()
        pages.append(page["entries"])
        cursor = page["next_cursor"]

    assert [len(p) for p in pages] == [10, 10, 5]
    points = [e["points"] for p in pages for e in p]
    assert points == list(range(25, 0, -1))


def test_a_bad_cursor_is_a_clear_400(proxy, shopper):
    response = proxy.get("points/history", customer=_id(shopper), extra=[("cursor", "!!nope")])
    assert (response.status_code, response.json()["code"]) == (400, "invalid_cursor")


def test_a_debit_explains_the_lots_it_used(proxy, shop, shopper):
    credit(shopper, 300, "c:1", note="Order #1001")
    credit(shopper, 300, "c:2", note="Order #1002")
    reward = RewardFactory(shop=shop, name="$5 off", points_cost=500)
    proxy.post("points/redeem", {"reward_id": reward.pk}, customer=_id(shopper), key="r")

    entries = proxy.get("points/history", customer=_id(shopper)).json()["entries"]

    assert entries[0]["explanation"] == (
        "500 points spent on $5 off (300 from order #1001, 200 from order #1002)"
    )
    assert entries[0]["spent_from"][1]["points"] == 200
    assert entries[1]["explanation"] == "300 points from order #1002, 100 of them left to spend"
    assert entries[2]["explanation"] == "300 points from order #1001, all of them spent or expired"


def test_the_key_may_come_in_the_signed_query(proxy, shop, shopper):
    credit(shopper, 1200, "c:1")
    reward = RewardFactory(shop=shop, points_cost=500)
    answers = [
        proxy.post("points/redeem", {"reward_id": reward.pk}, customer=_id(shopper),
                   extra=[("idempotency_key", "from-query")])
        for _ in range(2)
    ]  # fmt: skip
    mismatch = proxy.post("points/redeem", {"reward_id": reward.pk}, customer=_id(shopper),
                          key="a", extra=[("idempotency_key", "b")])  # fmt: skip

    assert answers[0].json()["result"] == answers[1].json()["result"]
    assert Redemption.objects.count() == 1
    assert (mismatch.status_code, mismatch.json()["code"]) == (400, "invalid_idempotency_key")


def test_an_excluded_member_cannot_redeem(proxy, shop, shopper):
    credit(shopper, 1000, "c:1")
    Member.objects.filter(pk=shopper.pk).update(state="excluded")
    reward = RewardFactory(shop=shop, points_cost=500)

    response = proxy.post("points/redeem", {"reward_id": reward.pk}, customer=_id(shopper))

    assert (response.status_code, response.json()["code"]) == (403, "member_excluded")
    assert Redemption.objects.count() == 0


def test_a_signed_in_non_member_has_an_empty_history(proxy, shop):
    customer = CustomerFactory(shop=shop)
    body = proxy.get("points/history", customer=customer.shopify_id).json()
    assert body == {"entries": [], "next_cursor": None}
