"""``/api/admin/program``: read, edit with the version read (409 when stale), field errors, and
the change log with the staff member's id."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loyalty.models import ChangeLog
from loyalty.services.program import program_settings_get
from tests.loyalty.api.conftest import AdminClient

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


def test_settings_answer_with_their_version_in_the_etag(admin):
    response = admin.get("/api/admin/program")

    assert response.status_code == 200
    body = response.json()
    assert response["ETag"] == f'"{body["version"]}"'
    assert body["points_per_unit"] == "1.0000"
    assert body["enrolment"] == "automatic"


def test_an_edit_with_the_current_version_is_saved_and_logged(admin, installed):
    version = admin.get("/api/admin/program").json()["version"]

    response = admin.patch(
        "/api/admin/program",
        {"points_per_unit": "5", "hold_days": 14},
        headers={"If-Match": f'"{version}"'},
    )

    assert response.status_code == 200, response.json()
    assert response.json()["version"] != version
    settings = program_settings_get(shop_id=installed.pk)
    assert (settings.points_per_unit, settings.hold_days) == (Decimal(5), 14)
    change = ChangeLog.objects.get(shop=installed)
    assert (change.action, change.staff_user_id) == ("program_settings.update", "42")
    assert change.before == {"points_per_unit": "1.0000", "hold_days": 0}
    assert change.after == {"points_per_unit": "5.0000", "hold_days": 14}


def test_a_second_staff_members_stale_edit_answers_409_and_keeps_the_first(admin, installed):
    version = admin.get("/api/admin/program").json()["version"]
    bob = AdminClient(installed, user_id=7)
    assert (
        bob.patch(
            "/api/admin/program", {"hold_days": 30}, headers={"If-Match": version}
        ).status_code
        == 200
    )

    response = admin.patch("/api/admin/program", {"hold_days": 1}, headers={"If-Match": version})

    assert response.status_code == 409
    assert response.json()["code"] == "version_conflict"
    assert "someone else changed this" in response.json()["message"].lower()
    assert program_settings_get(shop_id=installed.pk).hold_days == 30
    assert ChangeLog.objects.filter(shop=installed).count() == 1


def test_an_edit_without_a_version_is_refused(admin, installed):
    response = admin.patch("/api/admin/program", {"hold_days": 1})

    assert response.status_code == 428
    assert response.json()["code"] == "version_required"
    assert program_settings_get(shop_id=installed.pk).hold_days == 0


def test_invalid_settings_answer_400_with_field_errors_and_write_nothing(admin, installed):
    version = admin.get("/api/admin/program").json()["version"]

    response = admin.patch(
        "/api/admin/program",
        {"point_value_points": 0, "expiry_mode": "sometimes", "hold_days": 3},
        headers={"If-Match": version},
    )

    assert response.status_code == 400
    fields = response.json()["extra"]["fields"]
    assert set(fields) == {"point_value_points", "expiry_mode"}
    settings = program_settings_get(shop_id=installed.pk)
    assert (settings.point_value_points, settings.hold_days) == (100, 0)
    assert not ChangeLog.objects.filter(shop=installed).exists()


def test_the_change_log_lists_newest_first(admin, installed):
    for days in (1, 2):
        version = admin.get("/api/admin/program").json()["version"]
        admin.patch("/api/admin/program", {"hold_days": days}, headers={"If-Match": version})

    results = admin.get("/api/admin/changes").json()["results"]

    assert [r["after"] for r in results] == [{"hold_days": 2}, {"hold_days": 1}]
    assert {r["staff_user_id"] for r in results} == {"42"}


@pytest.mark.parametrize(
    "path", ["/program", "/branding", "/rules-rewards", "/customers", "/customers/12"]
)
def test_the_admins_own_pages_load_the_embedded_app(client, installed, path):
    from tests.shopify_app.test_embedded import embedded_params

    response = client.get(path, embedded_params())

    assert response.status_code == 200
    assert '<div id="app"></div>' in response.content.decode()


def test_the_launcher_branding_is_edited_like_the_other_settings(admin, installed):
    version = admin.get("/api/admin/program").json()["version"]

    response = admin.patch(
        "/api/admin/program",
        {
            "program_name": "Club",
            "launcher_label": "Perks",
            "launcher_position": "bottom-left",
            "launcher_button_color": "#ffee00",
            "launcher_text_color": "#ffffff",
            "launcher_icon": "star",
            "launcher_texts": {"guest_title": " Join the club ", "guest_body": ""},
        },
        headers={"If-Match": version},
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["launcher_label"] == "Perks"
    assert body["launcher_texts"] == {"guest_title": "Join the club"}  # empty: the default
    settings = program_settings_get(shop_id=installed.pk)
    assert (settings.launcher_position, settings.launcher_icon) == ("bottom-left", "star")
    [log] = ChangeLog.objects.filter(shop=installed)
    assert log.after["launcher_label"] == "Perks"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"launcher_button_color": "red"}, "launcher_button_color"),
        ({"launcher_text_color": "#12345"}, "launcher_text_color"),
        ({"launcher_position": "top"}, "launcher_position"),
        ({"launcher_icon": "skull"}, "launcher_icon"),
        ({"launcher_label": "x" * 33}, "launcher_label"),
        ({"launcher_texts": {"footer": "hi"}}, "launcher_texts"),
        ({"launcher_texts": {"guest_title": {"nested": 1}}}, "launcher_texts"),
        ({"launcher_texts": ["guest_title"]}, "launcher_texts"),
    ],
)
def test_bad_branding_answers_400_on_its_field_and_writes_nothing(admin, installed, fields, field):
    version = admin.get("/api/admin/program").json()["version"]

    response = admin.patch("/api/admin/program", fields, headers={"If-Match": version})

    assert response.status_code == 400
    assert set(response.json()["extra"]["fields"]) == {field}
    settings = program_settings_get(shop_id=installed.pk)
    assert (settings.launcher_label, settings.launcher_texts) == ("Rewards", {})
