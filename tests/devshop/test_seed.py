"""``devshop_seed`` says when the history it wrote is older than an app can read."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from devshop import clock
from devshop.graphql.context import ORDER_WINDOW
from devshop.models import DevOrder


def _seed(days: int) -> str:
    out = StringIO()
    call_command(
        "devshop_seed", shop="seed-shop.myshopify.com", customers=5, orders=40, days=days,
        stdout=out,
    )  # fmt: skip
    return out.getvalue()


def test_orders_older_than_the_window_are_reported(db):
    output = _seed(365)

    hidden = DevOrder.objects.filter(created_at__lt=clock.now() - ORDER_WINDOW).count()
    assert hidden > 0
    assert f"{hidden} orders are older than 60 days" in output


def test_history_inside_the_window_says_nothing_more(db):
    assert "older than" not in _seed(45)
