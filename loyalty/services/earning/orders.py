"""Points for one order: the earn, its reversals per refund, and the cancellation (the
reconciliation the package docstring describes)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from loyalty.models import (
    Member,
    OrderPoints,
    PointsLot,
    PointsReversal,
    PointsTransaction,
    ProgramSettings,
)
from loyalty.services.earning.amounts import (
    PAID_STATUSES,
    order_eligible_amount,
    order_quote,
    refund_eligible_amount,
)
from loyalty.services.earning.multipliers import floor_points
from loyalty.services.ledger import entry_post_locked, entry_void_locked, entry_write, member_lock
from loyalty.services.members import member_for_earning
from loyalty.services.program import lot_expires_at, program_settings_get
from shopify_app.models import Customer, Order, Refund, Shop

Kind = PointsTransaction.Kind
Status = PointsTransaction.Status


def _order_customer(order: Order) -> Customer | None:
    if order.customer_id is not None:
        return order.customer
    if order.customer_shopify_id is None:
        return None
    return Customer.objects.filter(
        shop_id=order.shop_id, shopify_id=order.customer_shopify_id
    ).first()


def order_points_sync(
    *, shop: Shop, order_shopify_id: int, now: datetime | None = None
) -> OrderPoints | None:
    """Bring an order's points in line with its mirrored state (see the module docstring).

    Writes: the earn entry and ``OrderPoints`` once; a reversal per refund not yet applied; the
    cancellation. Orders without a customer, with a non-member customer (opt-in programs),
    excluded members, and unpaid orders earn nothing. Idempotent by construction.
    """
    at = now or timezone.now()
    order = (
        Order.objects.select_related("customer")
        .filter(shop=shop, shopify_id=order_shopify_id)
        .first()
    )
    if order is None:
        return None
    settings = program_settings_get(shop_id=shop.pk)
    # No savepoint: inside the webhook dispatcher's own savepoint a failure here already undoes
    # the whole delivery, and two round trips per order matter at webhook volume.
    with transaction.atomic(savepoint=False):
        existing = OrderPoints.objects.filter(shop=shop, order_shopify_id=order_shopify_id).first()
        if existing is not None:
            member = member_lock(member_id=existing.member_id)
        else:
            if order.financial_status not in PAID_STATUSES or order.cancelled_at is not None:
                return None
            customer = _order_customer(order)
            if customer is None:
                return None
            candidate = member_for_earning(customer=customer, now=at)
            if candidate is None:
                return None
            member = member_lock(member_id=candidate.pk)
        # Re-read under the member lock: a concurrent delivery for this order (another topic,
        # a retry) may have committed a newer mirror state or the earn itself meanwhile.
        order = Order.objects.get(pk=order.pk)
        op = OrderPoints.objects.filter(shop=shop, order_shopify_id=order_shopify_id).first()
        if op is None:
            if order.financial_status not in PAID_STATUSES or order.cancelled_at is not None:
                return None
            op = _order_earn(member=member, order=order, settings=settings, at=at)
            if op is None:
                return None
        if order.cancelled_at is not None and not op.cancelled:
            _order_cancel(member=member, op=op, at=at)
        refunds = Refund.objects.filter(shop=shop, order_shopify_id=order_shopify_id).order_by(
            "processed_at", "shopify_id"
        )
        for refund in refunds:
            _order_refund(member=member, op=op, refund=refund, settings=settings, at=at)
        return op


def _order_earn(
    *, member: Member, order: Order, settings: ProgramSettings, at: datetime
) -> OrderPoints | None:
    eligible = order_eligible_amount(settings=settings, order=order)
    points, multiplier = order_quote(settings=settings, member=member, eligible=eligible)
    if points <= 0:
        return None
    placed_at = order.processed_at or order.shopify_created_at or at
    hold_until = placed_at + timedelta(days=settings.hold_days) if settings.hold_days else None
    entry, _ = entry_write(
        member=member,
        amount=points,
        kind=Kind.ORDER,
        idempotency_key=f"order:{order.shopify_id}:earn",
        pending_until=hold_until,
        source_type="order",
        source_id=str(order.shopify_id),
        note=f"Order {order.name}".strip(),
        expires_at=lot_expires_at(settings=settings, earned_at=placed_at),
        earned_at=placed_at,
        now=at,
    )
    return OrderPoints.objects.create(
        shop_id=order.shop_id,
        order_shopify_id=order.shopify_id,
        member=member,
        earn_entry=entry,
        eligible_amount=eligible,
        awarded=entry.amount,
        multiplier=multiplier,
    )


def _settle_due_earn(*, member: Member, earn: PointsTransaction, at: datetime) -> None:
    """Post a held earn whose hold has ended but that the beat job has not reached yet, so a
    reversal never lands before the credit it reverses."""
    if earn.status == Status.PENDING and earn.posts_at is not None and earn.posts_at <= at:
        entry_post_locked(member=member, entry=earn, at=at)


def _take_back(
    *,
    member: Member,
    op: OrderPoints,
    points: int,
    kind: str,
    key: str,
    note: str,
    source: tuple[str, str],
    at: datetime,
) -> tuple[int, PointsTransaction | None]:
    """Reverse ``points`` of the order's award: returns (points taken back, entry or None)."""
    earn = op.earn_entry
    if points <= 0:
        return 0, None
    if earn.status == Status.PENDING:
        # Still held: reverse inside the hold (the pending total shrinks; nothing was spendable).
        entry, _ = entry_write(
            member=member,
            amount=-points,
            kind=kind,
            idempotency_key=key,
            pending_until=earn.posts_at,
            source_type=source[0],
            source_id=source[1],
            reverses=earn,
            note=note,
            now=at,
        )
        return points, entry
    # Posted: never below zero. What the member already spent is the shortfall.
    taken = min(points, member.balance)
    if taken == 0:
        return 0, None
    prefer = PointsLot.objects.filter(entry=earn).values_list("pk", flat=True).first()
    entry, _ = entry_write(
        member=member,
        amount=-taken,
        kind=kind,
        idempotency_key=key,
        source_type=source[0],
        source_id=source[1],
        reverses=earn,
        note=note,
        prefer_lot_id=prefer,
        now=at,
    )
    return taken, entry


def _reversal_record(
    *,
    op: OrderPoints,
    kind: str,
    key: str,
    requested: int,
    taken: int,
    entry: PointsTransaction | None,
    refunded_amount: Decimal = Decimal(0),
) -> None:
    """The audit row of one refund or cancel: what was asked back, what was taken, the rest."""
    PointsReversal.objects.create(
        shop_id=op.shop_id,
        order_points=op,
        kind=kind,
        idempotency_key=key,
        refunded_amount=refunded_amount,
        requested=requested,
        reversed=taken,
        shortfall=requested - taken,
        entry=entry,
    )


def _order_refund(
    *, member: Member, op: OrderPoints, refund: Refund, settings: ProgramSettings, at: datetime
) -> None:
    key = f"refund:{refund.shopify_id}:reverse"
    if PointsReversal.objects.filter(shop_id=op.shop_id, idempotency_key=key).exists():
        return
    refunded = refund_eligible_amount(settings=settings, refund=refund)
    cumulative = min(op.eligible_amount, op.refunded_amount + refunded)
    if op.cancelled or op.eligible_amount <= 0:
        target = op.reversed_target
    else:
        remaining = op.eligible_amount - cumulative
        kept = floor_points(Decimal(op.awarded) * remaining / op.eligible_amount)
        target = max(op.reversed_target, op.awarded - kept)
    requested = target - op.reversed_target
    earn = PointsTransaction.objects.get(pk=op.earn_entry_id)
    _settle_due_earn(member=member, earn=earn, at=at)
    op.earn_entry = earn
    taken, entry = _take_back(
        member=member,
        op=op,
        points=requested,
        kind=Kind.REFUND_REVERSAL,
        key=key,
        note="Refund",
        source=("refund", str(refund.shopify_id)),
        at=at,
    )
    _reversal_record(
        op=op,
        kind=PointsReversal.Kind.REFUND,
        key=key,
        requested=requested,
        taken=taken,
        entry=entry,
        refunded_amount=refunded,
    )
    op.refunded_amount, op.reversed_target = cumulative, target
    op.reversed += taken
    op.save(update_fields=["refunded_amount", "reversed_target", "reversed", "updated_at"])


def _order_cancel(*, member: Member, op: OrderPoints, at: datetime) -> None:
    key = f"order:{op.order_shopify_id}:cancel"
    requested = op.awarded - op.reversed_target
    earn = PointsTransaction.objects.get(pk=op.earn_entry_id)
    _settle_due_earn(member=member, earn=earn, at=at)
    entry = None
    if earn.status == Status.PENDING:
        # Cancelled during the hold: the earn and its held reversals never become spendable.
        entry_void_locked(member=member, entry=earn)
        taken = requested
    else:
        op.earn_entry = earn
        taken, entry = _take_back(
            member=member,
            op=op,
            points=requested,
            kind=Kind.CANCEL_REVERSAL,
            key=key,
            note="Order cancelled",
            source=("order", str(op.order_shopify_id)),
            at=at,
        )
    _reversal_record(
        op=op,
        kind=PointsReversal.Kind.CANCEL,
        key=key,
        requested=requested,
        taken=taken,
        entry=entry,
    )
    op.cancelled = True
    op.reversed_target = op.awarded
    op.reversed += taken
    op.save(update_fields=["cancelled", "reversed_target", "reversed", "updated_at"])
