"""Earning rules and rewards from the admin: create, edit with a version, deactivate, lists."""

from __future__ import annotations

import pytest

from loyalty.models import ChangeLog, EarningRule, Reward
from tests.factories import EarningRuleFactory, RewardFactory

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def test_a_rule_is_created_and_logged(admin, installed):
    response = admin.post(
        "/api/admin/earning-rules",
        {"kind": "social_follow", "network": "instagram", "name": "Follow us", "points": 50},
    )

    assert response.status_code == 201, response.json()
    rule = EarningRule.objects.get(shop=installed, pk=response.json()["id"])
    assert (rule.kind, rule.network, rule.points) == ("social_follow", "instagram", 50)
    change = ChangeLog.objects.get(shop=installed)
    assert (change.action, change.object_id, change.staff_user_id) == (
        "earning_rule.create",
        str(rule.pk),
        "42",
    )
    assert change.after["points"] == 50


def test_a_duplicate_rule_answers_400_and_writes_nothing(admin, installed):
    EarningRuleFactory(shop=installed, kind="birthday", handle="")

    response = admin.post(
        "/api/admin/earning-rules", {"kind": "birthday", "name": "Again", "points": 10}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert EarningRule.objects.filter(shop=installed).count() == 1
    assert not ChangeLog.objects.exists()


def test_a_rule_edit_with_a_stale_version_answers_409(admin, installed):
    rule = EarningRuleFactory(shop=installed, points=50)
    version = admin.get(f"/api/admin/earning-rules/{rule.pk}")["ETag"]
    assert (
        admin.patch(
            f"/api/admin/earning-rules/{rule.pk}", {"points": 60}, headers={"If-Match": version}
        ).status_code
        == 200
    )

    stale = admin.patch(
        f"/api/admin/earning-rules/{rule.pk}", {"points": 70}, headers={"If-Match": version}
    )

    assert stale.status_code == 409
    rule.refresh_from_db()
    assert rule.points == 60


def test_deactivating_a_rule_is_idempotent_and_logged_once(admin, installed):
    rule = EarningRuleFactory(shop=installed)

    for _ in range(2):
        response = admin.post(f"/api/admin/earning-rules/{rule.pk}/deactivate")
        assert response.status_code == 200
        assert response.json()["active"] is False

    assert ChangeLog.objects.filter(action="earning_rule.deactivate").count() == 1


def test_rule_list_is_cursor_paginated_and_filters_active(admin, installed):
    rules = [EarningRuleFactory(shop=installed) for _ in range(3)]
    EarningRuleFactory(shop=installed, active=False)

    first = admin.get("/api/admin/earning-rules?active=true&limit=2").json()

    assert [r["id"] for r in first["results"]] == [r.pk for r in rules[:2]]
    assert first["next"] is not None
    rest = admin.get(first["next"].split("testserver", 1)[1]).json()
    assert [r["id"] for r in rest["results"]] == [rules[2].pk]
    assert rest["next"] is None


def test_a_reward_needs_what_its_kind_issues(admin, installed):
    response = admin.post(
        "/api/admin/rewards", {"kind": "percent_off", "name": "10% off", "points_cost": 500}
    )

    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {"percent"}
    assert not Reward.objects.filter(shop=installed).exists()


def test_a_reward_is_created_edited_and_deactivated(admin, installed):
    created = admin.post(
        "/api/admin/rewards",
        {"kind": "fixed_amount", "name": "$5 off", "points_cost": 500, "amount": "5.00"},
    )
    assert created.status_code == 201, created.json()
    reward_id = created.json()["id"]

    edited = admin.patch(
        f"/api/admin/rewards/{reward_id}",
        {"points_cost": 400},
        headers={"If-Match": created["ETag"]},
    )
    gone = admin.post(f"/api/admin/rewards/{reward_id}/deactivate")

    assert edited.status_code == 200
    assert gone.json()["active"] is False
    reward = Reward.objects.get(pk=reward_id)
    assert (reward.points_cost, reward.active) == (400, False)
    assert list(
        ChangeLog.objects.filter(object_id=str(reward_id)).order_by("pk").values_list("action")
    ) == [("reward.create",), ("reward.update",), ("reward.deactivate",)]


def test_markup_in_a_reward_name_comes_back_as_the_same_plain_string(admin, installed):
    name = '<img src=x onerror="alert(1)"> & <b>free</b>'
    RewardFactory(shop=installed, name=name)

    response = admin.get("/api/admin/rewards")

    assert response["Content-Type"] == "application/json"
    assert response.json()["results"][0]["name"] == name
