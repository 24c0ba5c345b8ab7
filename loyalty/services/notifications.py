"""The notification hook: an outbox of messages for members, drained by delivery code later.

Producers call ``notification_queue`` inside their own transaction; a message is queued at
most once per ``dedupe_key`` (e.g. one reminder per member, expiry date and lead time), so a
job that runs twice never nags twice. Consumers register with ``register_notification_sender``
and ``notifications_send_pending`` hands them the unsent rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from loyalty.models import Member, Notification

Sender = Callable[[Notification], bool]
_senders: dict[str, Sender] = {}
# A claim older than this belongs to a run that died between claiming and marking; the row is
# offered again (a sender that is slower than this may see a message twice).
CLAIM_LEASE = timedelta(minutes=10)


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


def _claim(*, kind: str, limit: int) -> list[Notification]:
    """Step 1: stamp ``claimed_at`` on up to ``limit`` unsent, unclaimed rows and commit.

    ``SKIP LOCKED`` lets a parallel run pass over rows another run is claiming; the stamp (not
    a lock) is what keeps them apart afterwards, so the claim can commit before any send.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(kind=kind, sent_at__isnull=True)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE))
            .order_by("created_at")
            .values_list("pk", flat=True)[:limit]
        )
        Notification.objects.filter(pk__in=ids).update(claimed_at=now)
    return list(Notification.objects.filter(pk__in=ids).order_by("created_at"))


def notifications_send_pending(*, limit: int = 500) -> int:
    """Give unsent messages to their kind's sender; kinds without a sender wait.

    1. Claim a batch (``_claim``, committed).
    2. Call the sender for each row outside any transaction: a sender may be slow or talk to
       the network, and must not hold row locks or a connection's transaction meanwhile.
    3. Mark each delivered row ``sent_at`` with a conditional update on its claim.
    A sender that returns False, or raises, leaves its row unsent and unclaimed, so the next
    run retries it; an exception propagates after the batch's unsent claims are released.
    Returns how many were sent.
    """
    sent = 0
    for kind, sender in list(_senders.items()):
        rows = _claim(kind=kind, limit=limit)
        unsent = {row.pk for row in rows}
        try:
            for row in rows:
                if not sender(row):
                    continue
                sent += Notification.objects.filter(
                    pk=row.pk, claimed_at=row.claimed_at, sent_at__isnull=True
                ).update(sent_at=timezone.now())
                unsent.discard(row.pk)
        finally:
            Notification.objects.filter(pk__in=unsent, sent_at__isnull=True).update(claimed_at=None)
    return sent
