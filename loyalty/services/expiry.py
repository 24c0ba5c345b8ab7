"""Expiry: per lot N months after it was earned, or the whole balance after N months without
activity; reminders 30 and 7 days ahead through the notification outbox.

Daily and set-based: one query finds the members concerned (per shop for inactivity, whose
cut-off depends on the shop's N), then each member is expired in its own short transaction
under the member lock, so the job never holds many locks and can be re-run at any time — the
keys (``expiry:lot:<lot id>``, ``expiry:inactive:<member>:<last activity>``) make repeats no-ops.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from loyalty.models import Member, PointsLot, PointsTransaction, ProgramSettings
from loyalty.services.ledger import entry_write, member_lock
from loyalty.services.notifications import notification_queue
from loyalty.services.program import add_months

Kind = PointsTransaction.Kind
Mode = ProgramSettings.ExpiryMode
REMINDER_DAYS = (30, 7)
REMINDER_KIND = "points_expiring"


@transaction.atomic
def member_lots_expire(*, member_id: int, now: datetime | None = None) -> int:
    """Expire the member's open lots that are past their expiry: one entry per lot, taking
    exactly that lot. Returns the points expired. Idempotent per lot."""
    at = now or timezone.now()
    member = member_lock(member_id=member_id)
    expired = 0
    lots = PointsLot.objects.filter(member=member, remaining__gt=0, expires_at__lte=at)
    for lot in lots.order_by("expires_at", "pk"):
        entry, created = entry_write(
            member=member,
            amount=-lot.remaining,
            kind=Kind.EXPIRY,
            idempotency_key=f"expiry:lot:{lot.pk}",
            source_type="lot",
            source_id=str(lot.pk),
            note="Points expired",
            prefer_lot_id=lot.pk,
            now=at,
        )
        expired += -entry.amount if created else 0
    return expired


@transaction.atomic
def member_inactivity_expire(*, member_id: int, months: int, now: datetime | None = None) -> int:
    """Expire the whole balance of a member inactive for ``months`` (re-checked under the
    lock: an order may have arrived since the job's query). Returns the points expired."""
    at = now or timezone.now()
    member = member_lock(member_id=member_id)
    if member.balance <= 0 or member.last_activity_at > add_months(at, -months):
        return 0
    entry, created = entry_write(
        member=member,
        amount=-member.balance,
        kind=Kind.EXPIRY,
        idempotency_key=f"expiry:inactive:{member.pk}:{member.last_activity_at.isoformat()}",
        source_type="inactivity",
        source_id=str(member.pk),
        note=f"Points expired after {months} months without activity",
        now=at,
    )
    return -entry.amount if created else 0


def points_expire_due(*, now: datetime | None = None) -> int:
    """The daily job: expire due lots and inactive balances. Returns the points expired."""
    at = now or timezone.now()
    total = 0
    lot_shops = ProgramSettings.objects.filter(expiry_mode=Mode.LOT).values("shop_id")
    member_ids = (
        PointsLot.objects.filter(shop_id__in=lot_shops, remaining__gt=0, expires_at__lte=at)
        .values_list("member_id", flat=True)
        .distinct()
    )
    for member_id in list(member_ids):
        total += member_lots_expire(member_id=member_id, now=at)
    for settings in ProgramSettings.objects.filter(expiry_mode=Mode.INACTIVITY):
        cutoff = add_months(at, -settings.expiry_months)
        inactive = Member.objects.filter(
            shop_id=settings.shop_id, balance__gt=0, last_activity_at__lte=cutoff
        ).values_list("pk", flat=True)
        for member_id in list(inactive):
            total += member_inactivity_expire(
                member_id=member_id, months=settings.expiry_months, now=at
            )
    return total


def expiry_reminders_queue(*, now: datetime | None = None) -> int:
    """Queue "points expiring" reminders 30 and 7 days ahead. Returns how many were queued.

    A member gets one reminder per expiry date and lead time (the dedupe key); the 30-day one
    is skipped when the expiry is already within 7 days. Members of redacted customers get none.
    """
    at = now or timezone.now()
    queued = 0
    # A customer whose data was erased (customers/redact) is never messaged again.
    messageable = Member.objects.filter(customer__redacted_at__isnull=True)
    for days in REMINDER_DAYS:
        shorter = min((d for d in REMINDER_DAYS if d < days), default=0)
        window_start, window_end = at + timedelta(days=shorter), at + timedelta(days=days)
        # Per-lot expiry: open lots expiring in the window, summed per member and day.
        lot_shops = ProgramSettings.objects.filter(expiry_mode=Mode.LOT).values("shop_id")
        rows = (
            PointsLot.objects.filter(
                shop_id__in=lot_shops,
                remaining__gt=0,
                expires_at__gt=window_start,
                expires_at__lte=window_end,
            )
            .values("member_id", "expires_at__date")
            .annotate(points=Sum("remaining"))
        )
        members = messageable.in_bulk({r["member_id"] for r in rows})
        for row in rows:
            member = members.get(row["member_id"])
            if member is not None:
                queued += _remind(member, row["points"], row["expires_at__date"].isoformat(), days)
        # Inactivity: the whole balance expires N months after the last activity.
        for settings in ProgramSettings.objects.filter(expiry_mode=Mode.INACTIVITY):
            months = settings.expiry_months
            inactive = messageable.filter(
                shop_id=settings.shop_id,
                balance__gt=0,
                last_activity_at__gt=add_months(window_start, -months),
                last_activity_at__lte=add_months(window_end, -months),
            )
            for member in inactive:
                expires_on = add_months(member.last_activity_at, months).date().isoformat()
                queued += _remind(member, member.balance, expires_on, days)
    return queued


def _remind(member: Member, points: int, expires_on: str, days: int) -> int:
    _, created = notification_queue(
        member=member,
        kind=REMINDER_KIND,
        dedupe_key=f"expiry:{member.pk}:{expires_on}:{days}d",
        payload={"points": points, "expires_on": expires_on, "days": days},
    )
    return int(created)
