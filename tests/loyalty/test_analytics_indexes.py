"""A shop's ledger entries, redemptions and order points over a time range (the analytics and
exports of a big shop) are read through their ``(shop, created_at)`` indexes (loyalty 0008),
not by scanning the shop's rows and sorting them. The planner is pushed off sequential scans,
since a test table is too small for it to pick an index by cost: a plan without the index
means the index is gone or no longer matches the read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from loyalty.models import OrderPoints, PointsTransaction, Redemption


@pytest.mark.parametrize(
    ("model", "index"),
    [
        (PointsTransaction, "points_txn_shop_created"),
        (Redemption, "redemption_shop_created"),
        (OrderPoints, "order_points_shop_created"),
    ],
    ids=lambda v: v if isinstance(v, str) else v.__name__,
)
def test_a_shops_rows_over_a_time_range_are_read_by_its_shop_created_index(shop, model, index):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    since = timezone.now() - timedelta(days=30)

    plan = model.objects.filter(shop=shop, created_at__gte=since).order_by("created_at").explain()

    assert index in plan, plan
    assert "Sort" not in plan, plan  # the index gives the order too
