"""Set-based handlers: rows grouped by shop and topic, one call per group, and the fallback to
one row at a time when a group fails."""

from __future__ import annotations

import copy
import logging

import pytest

from shopify_app.models import Customer, Order, WebhookDelivery
from shopify_app.services import webhooks as inbox
from shopify_app.webhooks import registry
from tests.shopify_app.webhooks.conftest import example_payload


@pytest.fixture
def scratch_topic():
    topic = "test/batched"
    yield topic
    for handler in registry._handlers.pop(topic, []):
        registry._batch_handlers.pop((topic, handler), None)


def _store(shop, topic: str, payload: dict, n: int) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        shop=shop, webhook_id=f"{topic}-{n}", topic=topic, api_version="2026-07", payload=payload
    )


def test_a_batch_handler_gets_each_shops_rows_of_its_topic_in_one_call(
    shop, other_shop, scratch_topic
):
    calls = []

    def one(*, shop, payload, delivery):
        calls.append(("one", shop.domain, payload["n"]))

    def many(*, shop, deliveries):
        calls.append(("many", shop.domain, [d.payload["n"] for d in deliveries]))

    def plain(*, shop, payload, delivery):  # a handler without a set-based form
        calls.append(("plain", shop.domain, payload["n"]))

    registry.register_handler(scratch_topic, one)
    registry.register_handler(scratch_topic, plain)
    registry.register_batch_handler(scratch_topic, one, many)
    for n, owner in enumerate([shop, other_shop, shop]):
        _store(owner, scratch_topic, {"n": n}, n)

    outcomes = inbox.webhook_deliveries_process(delivery_id=None, batch=10)

    assert [(o.status, o.attempts) for o in outcomes] == [("done", 1)] * 3
    assert calls == [
        ("many", shop.domain, [0, 2]),
        ("plain", shop.domain, 0),
        ("plain", shop.domain, 2),
        ("many", other_shop.domain, [1]),
        ("plain", other_shop.domain, 1),
    ]
    assert not WebhookDelivery.objects.exclude(status="done").exists()
    assert not WebhookDelivery.objects.filter(processed_at=None).exists()


def test_a_failing_batch_is_undone_and_its_rows_run_one_by_one(shop, scratch_topic, caplog):
    caplog.set_level(logging.INFO, logger=inbox.__name__)

    def one(*, shop, payload, delivery):
        if payload["n"] == 1:
            raise RuntimeError("bad row")
        Customer.objects.create(shop=shop, shopify_id=100 + payload["n"])

    def many(*, shop, deliveries):
        Customer.objects.create(shop=shop, shopify_id=999)  # undone with the failed batch
        for d in deliveries:
            one(shop=shop, payload=d.payload, delivery=d)

    registry.register_handler(scratch_topic, one)
    registry.register_batch_handler(scratch_topic, one, many)
    rows = [_store(shop, scratch_topic, {"n": n}, n) for n in range(3)]

    outcomes = inbox.webhook_deliveries_process(delivery_id=None, batch=10)

    assert {o.delivery_id: (o.status, o.retry) for o in outcomes} == {
        rows[0].pk: ("done", False),
        rows[1].pk: ("pending", True),
        rows[2].pk: ("done", False),
    }
    assert sorted(Customer.objects.values_list("shopify_id", flat=True)) == [100, 102]
    rows[1].refresh_from_db()
    assert "RuntimeError: bad row" in rows[1].last_error
    assert fell_back(caplog)


def test_a_batch_handler_must_belong_to_a_registered_handler(scratch_topic):
    with pytest.raises(ValueError):
        registry.register_batch_handler(scratch_topic, lambda **kw: None, lambda **kw: None)


def _updated(updated_at: str, status: str) -> dict:
    payload = copy.deepcopy(example_payload("orders/updated"))
    payload.update(updated_at=updated_at, financial_status=status)
    return payload


def fell_back(caplog) -> bool:
    """Whether a batch failed and its rows were run one by one (they give the right result
    too, so a test of the set-based path must check it was the one that ran)."""
    return "one by one" in caplog.text


@pytest.mark.parametrize("newer_first", [True, False])
def test_one_order_twice_in_a_batch_keeps_its_newest_state(shop, newer_first, caplog):
    caplog.set_level(logging.INFO, logger=inbox.__name__)
    newer = _updated("2026-07-02T10:00:00-04:00", "paid")
    older = _updated("2026-07-01T10:00:00-04:00", "pending")
    for n, payload in enumerate([newer, older] if newer_first else [older, newer]):
        _store(shop, "orders/updated", payload, n)

    outcomes = inbox.webhook_deliveries_process(delivery_id=None, batch=10)

    assert [o.status for o in outcomes] == ["done", "done"]
    assert not fell_back(caplog)
    order = Order.objects.get(shop=shop)
    assert order.financial_status == "paid"
    assert order.customer is not None
