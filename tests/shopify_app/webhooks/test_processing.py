"""Processing inbox rows: handlers run once, failures retry then fail, the sweeper finds strays."""

from __future__ import annotations

import copy
import threading
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone

from shopify_app.models import Customer, Order, Refund, WebhookDelivery
from shopify_app.services import webhooks as inbox
from shopify_app.webhooks import registry
from tests.shopify_app.webhooks.conftest import SUBSCRIBED_TOPICS, example_payload

ORDER_ID = 820982911946154508  # the GID of Shopify's example order


@pytest.fixture
def process():
    def _process(delivery_id=None, batch=0):
        return inbox.webhook_deliveries_process(delivery_id=delivery_id, batch=batch)

    return _process


@pytest.fixture
def scratch_topic():
    """A topic of our own for handlers that fail on purpose; removed afterwards."""
    topic = "test/scratch"
    yield topic
    registry._handlers.pop(topic, None)


def _stored(deliver, shop, topic, **kwargs) -> WebhookDelivery:
    response = deliver(shop_domain=shop.domain, topic=topic, **kwargs)
    assert response.status_code == 200
    return WebhookDelivery.objects.filter(shop=shop, topic=topic).latest("pk")


DATA_TOPICS = [t for t in SUBSCRIBED_TOPICS if t not in ("shop/redact", "app/uninstalled")]


@pytest.mark.parametrize("topic", DATA_TOPICS)
def test_shopifys_example_payload_of_every_data_topic_is_processed(shop, deliver, process, topic):
    delivery = _stored(deliver, shop, topic)

    [outcome] = process(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status in ("done", "ignored"), delivery.last_error
    assert (outcome.status, delivery.attempts, delivery.last_error) == (delivery.status, 1, "")
    assert delivery.processed_at is not None


def test_orders_paid_example_lands_in_the_order_mirror(shop, deliver, process):
    delivery = _stored(deliver, shop, "orders/paid")

    process(delivery.pk)

    order = Order.objects.get(shop=shop)
    assert order.shopify_id == ORDER_ID
    assert (order.name, order.currency, order.financial_status) == ("#9999", "USD", "voided")
    assert order.total_price == Decimal("404.95")
    assert order.total_shipping == Decimal("10.00")
    assert order.customer.shopify_id == 115310627314723954
    assert order.customer.email == "john@example.com"
    assert order.line_items[0]["price"] == "89.99"


def test_a_duplicate_delivery_is_processed_once(shop, deliver, process):
    counted = []
    registry.register_handler("orders/paid", counted_handler := lambda **kw: counted.append(1))
    try:
        delivery = _stored(deliver, shop, "orders/paid", webhook_id="dup")
        _stored(deliver, shop, "orders/paid", webhook_id="dup")

        process(delivery.pk)
        assert process(delivery.pk) == []  # the second message finds nothing to claim
    finally:
        registry._handlers["orders/paid"].remove(counted_handler)

    assert counted == [1]
    assert Order.objects.filter(shop=shop).count() == 1


def _order_payload(updated_at: str, financial_status: str) -> dict:
    payload = copy.deepcopy(example_payload("orders/updated"))
    payload.update(updated_at=updated_at, financial_status=financial_status)
    return payload


def test_an_older_orders_updated_arriving_late_does_not_overwrite_the_newer(shop, deliver, process):
    newer = _stored(
        deliver, shop, "orders/updated", payload=_order_payload("2026-07-02T10:00:00-04:00", "paid")
    )
    older = _stored(
        deliver,
        shop,
        "orders/updated",
        payload=_order_payload("2026-07-01T10:00:00-04:00", "pending"),
    )

    process(newer.pk)
    process(older.pk)

    order = Order.objects.get(shop=shop)
    assert order.financial_status == "paid"
    assert order.shopify_updated_at.isoformat() == "2026-07-02T14:00:00+00:00"
    older.refresh_from_db()
    assert older.status == "done"  # a stale delivery is not an error


def test_a_refund_before_its_order_is_linked_when_the_order_arrives(shop, deliver, process):
    # Shopify's example lost the id's precision (JavaScript); real deliveries carry it exactly.
    refund_payload = {**example_payload("refunds/create"), "order_id": ORDER_ID}
    refund = _stored(deliver, shop, "refunds/create", payload=refund_payload)
    process(refund.pk)
    assert Refund.objects.get(shop=shop).order is None

    process(_stored(deliver, shop, "orders/create").pk)

    mirrored = Refund.objects.get(shop=shop)
    assert mirrored.order.shopify_id == mirrored.order_shopify_id
    assert mirrored.amount == Decimal("85.00")  # the two successful refund transactions


def test_customers_create_update_delete(shop, deliver, process):
    created = example_payload("customers/create")
    process(_stored(deliver, shop, "customers/create", payload=created).pk)
    updated = {**created, "updated_at": "2026-07-02T10:00:00-04:00", "first_name": "Robert"}
    process(_stored(deliver, shop, "customers/update", payload=updated).pk)
    customer = Customer.objects.get(shop=shop)
    assert (customer.first_name, customer.email) == ("Robert", "bob@biller.com")

    process(_stored(deliver, shop, "customers/delete").pk)

    customer.refresh_from_db()
    assert customer.deleted_at is not None


def test_a_failing_handler_is_retried_with_its_error_recorded_then_fails(
    shop, deliver, process, scratch_topic, monkeypatch
):
    def broken(**kwargs):
        Customer.objects.create(shop=shop, shopify_id=1)  # must be rolled back
        raise RuntimeError("handler bug")

    registry.register_handler(scratch_topic, broken)
    monkeypatch.setattr(inbox, "MAX_ATTEMPTS", 3)
    delivery = _stored(deliver, shop, scratch_topic, payload={})

    outcomes = [process(delivery.pk)[0] for _ in range(3)]

    assert [(o.status, o.attempts, o.retry) for o in outcomes] == [
        ("pending", 1, True),
        ("pending", 2, True),
        ("failed", 3, False),
    ]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert "RuntimeError: handler bug" in delivery.last_error
    assert not Customer.objects.filter(shop=shop).exists()


def test_an_unreadable_payload_fails_at_once(shop, deliver, process):
    delivery = _stored(deliver, shop, "orders/paid", payload={"id": 1})  # no currency

    [outcome] = process(delivery.pk)

    assert (outcome.status, outcome.retry) == ("failed", False)
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("invalid payload")


def test_a_topic_without_handlers_is_ignored(shop, deliver, process):
    delivery = _stored(deliver, shop, "products/update", payload={"id": 1})

    [outcome] = process(delivery.pk)

    assert outcome.status == "ignored"


def test_handlers_of_one_topic_run_in_registration_order(shop, deliver, process, scratch_topic):
    calls = []
    registry.register_handler(scratch_topic, lambda **kw: calls.append("first"))
    registry.register_handler(scratch_topic, lambda **kw: calls.append("second"))

    process(_stored(deliver, shop, scratch_topic, payload={}).pk)

    assert calls == ["first", "second"]


def test_one_failing_delivery_does_not_undo_the_others_in_a_batch(
    shop, deliver, process, scratch_topic
):
    registry.register_handler(scratch_topic, lambda **kw: 1 / 0)
    good = _stored(deliver, shop, "customers/create")
    bad = _stored(deliver, shop, scratch_topic, payload={})

    outcomes = process(bad.pk, batch=10)

    assert {(o.delivery_id, o.status) for o in outcomes} == {
        (bad.pk, "pending"),
        (good.pk, "done"),
    }
    assert Customer.objects.filter(shop=shop).count() == 1


def _db_now():
    """The database's clock as Django's ``Now()`` reads it (the statement's start)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement_timestamp()")
        return cursor.fetchone()[0]


def test_a_batch_takes_due_rows_but_not_ones_waiting_out_their_backoff(shop, deliver, process):
    waiting = _stored(deliver, shop, "customers/create")
    later = _db_now() + timedelta(seconds=5)
    WebhookDelivery.objects.filter(pk=waiting.pk).update(
        attempts=1, last_error="earlier", next_attempt_at=later
    )
    fresh = _stored(deliver, shop, "customers/update")

    assert [o.delivery_id for o in process(None, batch=10)] == [fresh.pk]

    # Once its backoff has passed, any batch takes it: no retry message is needed.
    WebhookDelivery.objects.filter(pk=waiting.pk).update(next_attempt_at=_db_now())
    assert [o.delivery_id for o in process(None, batch=10)] == [waiting.pk]


def test_a_failed_attempt_keeps_its_backoff_on_the_row(shop, deliver, process, scratch_topic):
    registry.register_handler(scratch_topic, lambda **kw: 1 / 0)
    delivery = _stored(deliver, shop, scratch_topic, payload={})

    process(delivery.pk)
    before = _db_now()
    process(delivery.pk)
    after = _db_now()

    delivery.refresh_from_db()
    # On the database's clock, as read between these two statements: its second backoff.
    backoff = timedelta(seconds=inbox.retry_delay(2))
    assert delivery.attempts == 2
    assert before + backoff <= delivery.next_attempt_at <= after + backoff


def test_the_sweeper_finds_rows_due_longer_than_the_lease_on_its_clock(shop, deliver):
    due = _db_now()  # the sweeper is given its clock: it decides from the rows' due times
    stranded = _stored(deliver, shop, "orders/paid")
    WebhookDelivery.objects.filter(pk=stranded.pk).update(next_attempt_at=due)
    done = _stored(deliver, shop, "orders/updated")
    WebhookDelivery.objects.filter(pk=done.pk).update(status="done")
    backing_off = _stored(deliver, shop, "orders/create")
    WebhookDelivery.objects.filter(pk=backing_off.pk).update(
        attempts=3, next_attempt_at=due + timedelta(seconds=inbox.retry_delay(3))
    )

    just_within = due + inbox.STRANDED_AFTER
    assert inbox.webhook_deliveries_stranded(now=just_within) == []
    just_past = just_within + timedelta(milliseconds=1)
    assert inbox.webhook_deliveries_stranded(now=just_past) == [stranded.pk]
    # A retry is stranded only once its own backoff has passed by the lease too.
    retry_stranded = just_past + timedelta(seconds=inbox.retry_delay(3))
    assert inbox.webhook_deliveries_stranded(now=retry_stranded) == [stranded.pk, backing_off.pk]


def test_the_sweeper_skips_a_row_a_worker_is_processing(transactional_db, shop, deliver):
    delivery = _stored(deliver, shop, "orders/paid")
    later = timezone.now() + inbox.STRANDED_AFTER + timedelta(seconds=1)
    db = connection.settings_dict
    worker = psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    )
    try:
        worker.execute(
            "SELECT id FROM shopify_app_webhookdelivery WHERE id = %s FOR UPDATE", [delivery.pk]
        )  # the claim of a batch still running
        assert inbox.webhook_deliveries_stranded(now=later) == []
        worker.rollback()  # the batch ends (synchronously: close() alone releases it later)
    finally:
        worker.close()
    assert inbox.webhook_deliveries_stranded(now=later) == [delivery.pk]


def test_a_claim_locks_its_delivery_not_the_shop_a_concurrent_claim_holds(
    transactional_db, shop, deliver, process
):
    """Two workers claiming two deliveries of one shop must not skip each other: the claim's
    ``select_related("shop")`` must not lock the shop row too (``of=("self",)``)."""
    first = _stored(deliver, shop, "customers/create", webhook_id="claim-first")
    second = _stored(deliver, shop, "orders/paid", webhook_id="claim-second")
    claimed, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                assert [d.pk for d in inbox._claim(delivery_id=first.pk, batch=0)] == [first.pk]
                claimed.set()
                release.wait(timeout=60)  # its batch is still running
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert claimed.wait(timeout=60)
        process(delivery_id=second.pk)
    finally:
        release.set()
        thread.join()
    second.refresh_from_db()
    assert second.status == "done", second.last_error


def test_replay_puts_a_failed_delivery_back_and_enqueues_it(
    shop, deliver, process, django_capture_on_commit_callbacks
):
    delivery = _stored(deliver, shop, "customers/create")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="failed", attempts=8, last_error="boom"
    )

    with django_capture_on_commit_callbacks() as callbacks:
        assert inbox.webhook_delivery_replay(delivery=delivery) is True
    process(delivery.pk)

    assert len(callbacks) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("done", 1, "")


def test_replay_refuses_a_done_delivery(shop, deliver, process):
    delivery = _stored(deliver, shop, "customers/create")
    process(delivery.pk)

    assert inbox.webhook_delivery_replay(delivery=delivery) is False


def test_prune_deletes_rows_past_retention_whatever_their_status(shop, deliver, monkeypatch):
    monkeypatch.setattr(inbox, "PRUNE_BATCH", 2)  # several batches
    now = timezone.now()
    old = [_stored(deliver, shop, "orders/paid") for _ in range(3)]
    kept = _stored(deliver, shop, "orders/create")
    WebhookDelivery.objects.filter(pk__in=[d.pk for d in old]).update(
        received_at=now - inbox.RETENTION - timedelta(seconds=1)
    )
    WebhookDelivery.objects.filter(pk=old[0].pk).update(status="failed")
    WebhookDelivery.objects.filter(pk=kept.pk).update(
        received_at=now - inbox.RETENTION + timedelta(minutes=1), status="done"
    )

    assert inbox.webhook_deliveries_prune(now=now) == 3
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [kept.pk]
    assert inbox.webhook_deliveries_prune(now=now) == 0


def test_retention_erases_every_body_within_shopifys_30_days_for_customers_redact():
    # The job runs daily: a body received just before a customers/redact request is gone at
    # most RETENTION + 1 day after it, inside the 30 days Shopify allows.
    assert inbox.RETENTION + timedelta(days=1) <= timedelta(days=30)
