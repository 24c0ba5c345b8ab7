"""The outbox drain: claim and commit, send outside any transaction, then mark."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from loyalty.models import Notification
from loyalty.services.notifications import (
    notification_queue,
    notifications_send_pending,
    register_notification_sender,
    unregister_notification_sender,
)
from tests.factories import MemberFactory, ShopFactory

KIND = "test_drain"


@pytest.fixture
def queued():
    member = MemberFactory(shop=ShopFactory())
    notification_queue(member=member, kind=KIND, dedupe_key="k1", payload={"n": 1})
    yield member
    unregister_notification_sender(KIND)


@pytest.mark.django_db(transaction=True)
def test_the_sender_runs_with_no_open_transaction(queued):
    seen: list[bool] = []

    def sender(notification: Notification) -> bool:
        seen.append(connection.in_atomic_block)
        return True

    register_notification_sender(KIND, sender)

    assert notifications_send_pending() == 1
    assert seen == [False]
    assert Notification.objects.get().sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_failed_send_leaves_the_row_retryable(queued):
    def refuses(notification: Notification) -> bool:
        return False

    def raises(notification: Notification) -> bool:
        raise ConnectionError("smtp down")

    register_notification_sender(KIND, refuses)
    assert notifications_send_pending() == 0
    register_notification_sender(KIND, raises)
    with pytest.raises(ConnectionError):
        notifications_send_pending()
    row = Notification.objects.get()
    assert (row.sent_at, row.claimed_at) == (None, None)

    register_notification_sender(KIND, lambda notification: True)
    assert notifications_send_pending() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_do_not_send_twice(queued):
    entered, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow(notification: Notification) -> bool:
        calls.append(notification.pk)
        entered.set()
        assert release.wait(10)
        return True

    register_notification_sender(KIND, slow)
    results: list[int] = []

    def first_run() -> None:
        try:
            results.append(notifications_send_pending())
        finally:
            connection.close()

    worker = threading.Thread(target=first_run)
    worker.start()
    try:
        assert entered.wait(10)
        # The first run is inside its sender, its claim committed: the second finds nothing.
        assert notifications_send_pending() == 0
    finally:
        release.set()
        worker.join()
    assert results == [1]
    assert len(calls) == 1
