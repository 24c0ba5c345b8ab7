"""The onboarding's steps through the admin API: where the shop stands, the template, enrolment
with retroactive points (the ledger matches the preview) and launch."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from loyalty.models import (
    ChangeLog,
    EarningRule,
    Member,
    OnboardingProgress,
    PointsTransaction,
    Reward,
)
from loyalty.services.program import program_settings_get, program_settings_update
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def _template(admin) -> dict:
    response = admin.get("/api/admin/onboarding/template")
    assert response.status_code == 200
    return response.json()


def test_a_new_shop_has_done_no_step(admin):
    body = admin.get("/api/admin/onboarding").json()

    assert body == {
        "template_applied_at": None,
        "enrolled_at": None,
        "enrolled_members": 0,
        "retroactive_days": None,
        "retroactive_points": 0,
        "launched_at": None,
    }


def test_the_template_offers_the_documented_defaults(admin):
    template = _template(admin)

    assert Decimal(template["points_per_unit"]) == 5
    assert (template["point_value_points"], Decimal(template["point_value_amount"])) == (100, 1)
    assert [(r["kind"], r["amount"] and Decimal(r["amount"])) for r in template["rewards"]] == [
        ("fixed_amount", 5),
        ("fixed_amount", 10),
        ("free_shipping", None),
    ]
    assert template["signup_points"] > 0 and template["birthday_points"] > 0


def test_an_edited_template_is_applied_once_however_often_it_is_posted(admin, installed):
    template = _template(admin)
    template["points_per_unit"] = "2"
    template["signup_points"] = 50
    template["rewards"][0]["points_cost"] = 450

    first = admin.post("/api/admin/onboarding/template", template)
    second = admin.post("/api/admin/onboarding/template", template)

    assert first.status_code == 200, first.json()
    assert second.status_code == 200
    assert first.json()["template_applied_at"] == second.json()["template_applied_at"]
    assert program_settings_get(shop_id=installed.pk).points_per_unit == 2
    rules = EarningRule.objects.filter(shop=installed).order_by("kind")
    assert [(r.kind, r.points) for r in rules] == [("birthday", 250), ("signup", 50)]
    rewards = Reward.objects.filter(shop=installed).order_by("position")
    assert [(r.kind, r.points_cost) for r in rewards] == [
        ("fixed_amount", 450),
        ("fixed_amount", 1000),
        ("free_shipping", 800),
    ]
    # Each write is in the program's history, by the staff member.
    assert ChangeLog.objects.filter(shop=installed, action="reward.create").count() == 3
    assert set(
        ChangeLog.objects.filter(shop=installed).values_list("staff_user_id", flat=True)
    ) == {"42"}


def test_an_invalid_template_answers_400_with_field_errors_and_writes_nothing(admin, installed):
    template = _template(admin)
    template["rewards"][0]["amount"] = None
    template["point_value_points"] = 0

    response = admin.post("/api/admin/onboarding/template", template)

    assert response.status_code == 400
    fields = response.json()["extra"]["fields"]
    assert "point_value_points" in fields and "rewards" in fields
    assert not Reward.objects.filter(shop=installed).exists()
    assert not OnboardingProgress.objects.filter(shop=installed, template_applied_at__isnull=False)


def _shop_with_history(shop):
    """Three customers with accounts (one with two recent orders, one with an old order, one
    with a refunded order) and a guest with a recent order."""
    now = timezone.now()
    ada, bob, cy = (CustomerFactory(shop=shop) for _ in range(3))
    guest = CustomerFactory(shop=shop, state="disabled")
    OrderFactory(shop=shop, customer=ada, subtotal_price=Decimal("40.00"))
    OrderFactory(
        shop=shop, customer=ada, subtotal_price=Decimal("19.99"), processed_at=now - timedelta(5)
    )
    OrderFactory(
        shop=shop, customer=bob, subtotal_price=Decimal("80.00"), processed_at=now - timedelta(90)
    )
    OrderFactory(shop=shop, customer=cy, financial_status="refunded")
    OrderFactory(shop=shop, customer=guest, subtotal_price=Decimal("70.00"))
    return ada, bob, cy, guest


def test_the_preview_counts_members_points_and_their_cost(admin, installed):
    program_settings_update(shop_id=installed.pk, points_per_unit=Decimal(5))
    _shop_with_history(installed)

    body = admin.get("/api/admin/onboarding/enrol?retroactive_days=30").json()

    # 5 points per $1: floor(40 * 5) + floor(19.99 * 5) = 200 + 99; 100 points = $1.
    assert body == {
        "customers": 3,
        "excluded": 0,
        "retroactive_days": 30,
        "orders": 2,
        "members_earning": 1,
        "points": 299,
        "cost": "2.99",
        "currency": "USD",
    }
    assert not Member.objects.filter(shop=installed).exists()  # a preview writes nothing


def test_the_ledger_matches_the_preview_and_a_second_apply_adds_nothing(admin, installed):
    program_settings_update(shop_id=installed.pk, points_per_unit=Decimal(5))
    _shop_with_history(installed)
    preview = admin.get("/api/admin/onboarding/enrol?retroactive_days=120").json()

    first = admin.post("/api/admin/onboarding/enrol", {"retroactive_days": 120})
    second = admin.post("/api/admin/onboarding/enrol", {"retroactive_days": 120})

    assert first.status_code == 200, first.json()
    assert Member.objects.filter(shop=installed).count() == preview["customers"] == 3
    ledger = PointsTransaction.objects.filter(shop=installed)
    assert ledger.aggregate(total=Sum("amount"))["total"] == preview["points"] == 299 + 400
    assert ledger.values("member").distinct().count() == preview["members_earning"] == 2
    assert second.json()["retroactive_points"] == first.json()["retroactive_points"] == 699
    assert first.json()["enrolled_members"] == 3 and first.json()["enrolled_at"]
    assert admin.get("/api/admin/onboarding/enrol?retroactive_days=120").json()["points"] == 0


def test_enrolling_without_retroactive_points_writes_no_ledger_entry(admin, installed):
    _shop_with_history(installed)

    response = admin.post("/api/admin/onboarding/enrol", {})

    assert response.status_code == 200
    assert Member.objects.filter(shop=installed).count() == 3
    assert not PointsTransaction.objects.filter(shop=installed).exists()


@pytest.mark.parametrize("days", [-1, 366, "soon"])
def test_a_bad_number_of_days_answers_400_and_enrols_nobody(admin, installed, days):
    _shop_with_history(installed)

    preview = admin.get(f"/api/admin/onboarding/enrol?retroactive_days={days}")
    apply = admin.post("/api/admin/onboarding/enrol", {"retroactive_days": days})

    assert preview.status_code == apply.status_code == 400
    assert "retroactive_days" in apply.json()["extra"]["fields"]
    assert not Member.objects.filter(shop=installed).exists()


def test_launch_enables_the_program_once(admin, installed):
    program_settings_update(shop_id=installed.pk, enabled=False)

    first = admin.post("/api/admin/onboarding/launch")
    second = admin.post("/api/admin/onboarding/launch")

    assert first.status_code == 200 and first.json()["launched_at"]
    assert second.json()["launched_at"] == first.json()["launched_at"]
    assert program_settings_get(shop_id=installed.pk).enabled is True
    assert ChangeLog.objects.filter(shop=installed, action="program.launch").count() == 1
    assert admin.get("/api/admin/onboarding").json()["launched_at"] == first.json()["launched_at"]


@pytest.mark.parametrize("path", ["/onboarding", "/import", "/plans"])
def test_the_onboarding_import_and_plans_pages_load_the_embedded_app(client, installed, path):
    from tests.shopify_app.test_embedded import embedded_params

    response = client.get(path, embedded_params())

    assert response.status_code == 200
    assert '<div id="app"></div>' in response.content.decode()
