"""Staff actions on members: a double-submitted adjustment (two requests with one
Idempotency-Key at the same time) writes one entry and one change-log row."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from loyalty.models import ChangeLog, PointsTransaction
from loyalty.services.staff import member_points_adjust
from tests.factories import MemberFactory


@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_adjustment_is_written_once(shop):
    member = MemberFactory(shop=shop)
    start = threading.Barrier(2)
    created: list[bool] = []

    def submit() -> None:
        try:
            start.wait()
            _, was_created = member_points_adjust(
                member=member,
                points=40,
                reason="goodwill",
                note="",
                staff_user_id="42",
                idempotency_key="form-1",
            )
            created.append(was_created)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(created) == [False, True]
    assert PointsTransaction.objects.filter(member=member).count() == 1
    assert ChangeLog.objects.filter(action="member.adjust_points").count() == 1
    member.refresh_from_db()
    assert member.balance == 40
