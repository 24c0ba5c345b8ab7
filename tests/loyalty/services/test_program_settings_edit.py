"""Two staff members saving the settings they both read at the same version, at the same time:
the row lock makes the version check and the write one step, so exactly one save wins and the
other gets ``VersionConflict``, never a silent overwrite."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from loyalty.exceptions import VersionConflict
from loyalty.models import ChangeLog
from loyalty.services.changelog import version_of
from loyalty.services.program import program_settings_edit, program_settings_get


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_at_one_version_let_exactly_one_through(shop):
    version = version_of(program_settings_get(shop_id=shop.pk))
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def save(staff: str, days: int) -> None:
        try:
            start.wait()
            program_settings_edit(
                shop_id=shop.pk, staff_user_id=staff, version=version, fields={"hold_days": days}
            )
            outcomes.append("saved")
        except VersionConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(s, d)) for s, d in (("1", 10), ("2", 20))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["conflict", "saved"]
    [change] = ChangeLog.objects.filter(shop=shop)
    assert program_settings_get(shop_id=shop.pk).hold_days == change.after["hold_days"]


def test_an_unknown_field_is_refused_before_anything_is_written(shop):
    version = version_of(program_settings_get(shop_id=shop.pk))

    with pytest.raises(ValueError, match="not editable"):
        program_settings_edit(
            shop_id=shop.pk, staff_user_id="1", version=version, fields={"shop_id": 9}
        )
    assert not ChangeLog.objects.exists()
