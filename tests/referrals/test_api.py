"""The referral admin API with a real session token: settings, the review queue with its
evidence, staff decisions (who is recorded), the funnel, and clear 4xx on bad input."""

from __future__ import annotations

import pytest

from referrals.models import Referral
from referrals.services.program import referral_program_update
from shopify_app.services.credentials import shop_credential_store
from tests.referrals.conftest import claim, friend_order, rewards
from tests.shopify_app.test_authentication import TOKEN, bearer

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


@pytest.fixture
def auth(shop):
    shop_credential_store(shop=shop, token_response=TOKEN)
    return bearer(shop.domain)


@pytest.fixture
def held(store, program, ada_code):
    referral_program_update(shop_id=store.shop.pk, changes={"velocity_per_referrer": 1})
    claim(store, ada_code, "bob@example.com")
    store.paid(friend_order(store, store.customer(email="bob@example.com")))
    second = claim(store, ada_code, "carol@example.com")
    store.paid(friend_order(store, store.customer(email="carol@example.com")))
    second.refresh_from_db()
    assert second.status == "held"
    return second


def _program(client, auth) -> tuple[dict, str]:
    response = client.get("/api/admin/referrals/program", headers=auth)
    assert response.status_code == 200
    assert response["ETag"] == f'"{response.json()["version"]}"'
    return response.json(), response["ETag"]


def test_the_program_is_read_and_patched_with_its_version(client, auth):
    from loyalty.models import ChangeLog

    program, etag = _program(client, auth)
    assert program["referrer_points"] == 1000

    response = client.patch(
        "/api/admin/referrals/program",
        {"offer_kind": "fixed", "offer_value": "15.00", "hold_days": 7},
        content_type="application/json",
        headers={**auth, "If-Match": etag},
    )

    assert response.status_code == 200
    assert (response.json()["offer_kind"], response.json()["offer_value"]) == ("fixed", "15.00")
    assert response.json()["hold_days"] == 7
    assert response["ETag"] != etag
    [change] = ChangeLog.objects.filter(action="referral_program.update")
    assert change.staff_user_id == "42"
    assert change.after == {"offer_kind": "fixed", "offer_value": "15.00", "hold_days": 7}


def test_an_edit_without_or_with_a_stale_version_is_refused(client, auth):
    _program_before, etag = _program(client, auth)
    body = {"referrer_points": 500}
    missing = client.patch(
        "/api/admin/referrals/program", body, content_type="application/json", headers=auth
    )
    first = client.patch(
        "/api/admin/referrals/program",
        {"hold_days": 3},
        content_type="application/json",
        headers={**auth, "If-Match": etag},
    )
    stale = client.patch(
        "/api/admin/referrals/program",
        body,
        content_type="application/json",
        headers={**auth, "If-Match": etag},
    )

    assert (missing.status_code, missing.json()["code"]) == (428, "version_required")
    assert first.status_code == 200
    assert (stale.status_code, stale.json()["code"]) == (409, "version_conflict")
    assert _program(client, auth)[0]["referrer_points"] == 1000


@pytest.mark.parametrize(
    "body",
    [{"offer_kind": "bogus"}, {"hold_days": -1}, {"offer_value": "0"}, {"referrer_points": 0}],
)
def test_bad_settings_are_a_400_and_change_nothing(client, auth, body):
    _before, etag = _program(client, auth)
    response = client.patch(
        "/api/admin/referrals/program",
        body,
        content_type="application/json",
        headers={**auth, "If-Match": etag},
    )

    assert response.status_code == 400
    assert response.json()["code"] in {"invalid", "invalid_referral_settings"}
    after = client.get("/api/admin/referrals/program", headers=auth).json()
    assert (after["offer_kind"], after["offer_value"], after["hold_days"]) == (
        "percent",
        "10.00",
        14,
    )


def test_the_review_queue_shows_the_rule_and_evidence(client, auth, held):
    response = client.get("/api/admin/referrals?status=held", headers=auth)

    assert response.status_code == 200
    [row] = response.json()["referrals"]
    assert (row["id"], row["fraud_rule"]) == (held.pk, "velocity_referrer")
    assert row["fraud_evidence"]["findings"][0]["evidence"] == {"referrals": 2, "days": 7}


def test_staff_approve_through_the_api_and_are_recorded(client, auth, held):
    response = client.post(
        f"/api/admin/referrals/{held.pk}/approve",
        {"note": "Checked by phone"},
        content_type="application/json",
        headers=auth,
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["decided_by"]) == ("completed", "staff:42")
    assert [r.amount for r in rewards(Referral.objects.get(pk=held.pk))] == [1000]
    again = client.post(
        f"/api/admin/referrals/{held.pk}/approve", {}, content_type="application/json", headers=auth
    )
    assert (again.status_code, again.json()["code"]) == (409, "referral_not_reviewable")


def test_staff_reject_through_the_api(client, auth, held):
    response = client.post(
        f"/api/admin/referrals/{held.pk}/reject", {}, content_type="application/json", headers=auth
    )

    assert (response.status_code, response.json()["status"]) == (200, "rejected")


def test_another_shops_referral_is_a_404(client, other_shop, held):
    shop_credential_store(shop=other_shop, token_response=TOKEN)

    response = client.post(
        f"/api/admin/referrals/{held.pk}/approve",
        {},
        content_type="application/json",
        headers=bearer(other_shop.domain),
    )

    assert response.status_code == 404
    held.refresh_from_db()
    assert held.status == "held"


def test_the_funnel(client, auth, held):
    stats = client.get("/api/admin/referrals/stats", headers=auth).json()

    assert {k: stats[k] for k in ("claimed", "completed", "held")} == {
        "claimed": 2,
        "completed": 1,
        "held": 1,
    }
    assert (stats["revenue"], stats["currency"]) == ("100.00", "USD")


def test_a_bad_status_filter_is_a_400(client, auth):
    response = client.get("/api/admin/referrals?status=nope", headers=auth)

    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_without_a_session_token_it_is_a_401(client, shop):
    assert client.get("/api/admin/referrals").status_code == 401


def test_the_referrer_reward_is_a_catalog_reward_of_this_shop_only(client, auth, shop, other_shop):
    from tests.factories import RewardFactory

    mine = RewardFactory(shop=shop, name="$20 off", points_cost=2000)
    theirs = RewardFactory(shop=other_shop)

    refused = client.patch(
        "/api/admin/referrals/program", {"referrer_reward": theirs.pk},
        content_type="application/json", headers=auth,
    )  # fmt: skip
    chosen = client.patch(
        "/api/admin/referrals/program", {"referrer_reward": mine.pk},
        content_type="application/json", headers=auth,
    )  # fmt: skip
    points_again = client.patch(
        "/api/admin/referrals/program", {"referrer_reward": None},
        content_type="application/json", headers=auth,
    )  # fmt: skip

    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_referral_settings")
    assert (chosen.status_code, chosen.json()["referrer_reward"]) == (200, mine.pk)
    assert points_again.json()["referrer_reward"] is None


def test_the_list_shows_a_catalog_rewards_code_and_its_state(client, auth, store, ada_code):
    from tests.referrals.conftest import catalog_reward_completed

    referral = catalog_reward_completed(store, ada_code)

    [row] = client.get("/api/admin/referrals", headers=auth).json()["referrals"]

    assert row["reward_status"] == "pending"
    assert row["reward"]["kind"] == "reward"
    assert row["reward"]["name"] == "$20 off"
    assert row["reward"]["code"] == referral.reward_code  # staff see it before it is usable
    assert row["reward"]["code_status"] == "pending"
    assert row["reward"]["available_at"] is not None
