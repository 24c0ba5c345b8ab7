"""The notification hook: an outbox of messages for members, drained by delivery code later.

Producers call ``notification_queue`` inside their own transaction; a message is queued at
most once per ``dedupe_key`` (e.g. one reminder per member, expiry date and lead time), so a
job that runs twice never nags twice. Consumers register with ``register_notification_sender``
and ``notifications_send_pending`` hands them the unsent rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from loyalty.models import Member, Notification

Sender = Callable[[Notification], bool]
_senders: dict[str, Sender] = {}


def register_notification_sender(kind: str, sender: Sender) -> None:
    """``sender(notification) -> bool`` delivers one message of ``kind``; True marks it sent."""
    _senders[kind] = sender


def unregister_notification_sender(kind: str) -> None:
    _senders.pop(kind, None)


def notification_queue(
    *, member: Member, kind: str, dedupe_key: str, payload: dict[str, Any]
) -> tuple[Notification, bool]:
    """Queue a message unless one with ``dedupe_key`` exists. Returns ``(row, created)``."""
    return Notification.objects.get_or_create(
        shop_id=member.shop_id,
        dedupe_key=dedupe_key,
        defaults={"member": member, "kind": kind, "payload": payload},
    )


def notifications_send_pending(*, limit: int = 500) -> int:
    """Give unsent messages to their kind's sender; kinds without a sender wait. Each row is
    claimed with ``FOR UPDATE SKIP LOCKED`` so parallel runs never send one twice."""
    sent = 0
    for kind, sender in list(_senders.items()):
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(kind=kind, sent_at__isnull=True)
                .order_by("created_at")[:limit]
            )
            for row in rows:
                if sender(row):
                    row.sent_at = timezone.now()
                    row.save(update_fields=["sent_at"])
                    sent += 1
    return sent
