"""Points for a batch of orders of one shop, the common first earn written set-based."""

from __future__ import annotations

from collections.abc import Sequence
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
from loyalty.services.bulk import rows_insert_new, rows_update
from loyalty.services.earning.amounts import order_earns, order_eligible_amount, order_quote
from loyalty.services.earning.orders import order_points_sync
from loyalty.services.invalidation import members_changed
from loyalty.services.ledger import check_amount
from loyalty.services.members import members_for_earning
from loyalty.services.program import lot_expires_at, program_settings_get
from shopify_app.models import Customer, Order, Refund, Shop

Kind = PointsTransaction.Kind
Status = PointsTransaction.Status


class EarnWrittenMeanwhile(Exception):
    """A batch found an order's earn entry already written but not its ``OrderPoints`` (they
    are written together, so only a repair or a race outside the member lock does that). The
    batch is abandoned; ``order_points_sync`` per order handles the entry that exists."""


def orders_points_sync(
    *, shop: Shop, order_shopify_ids: Sequence[int], now: datetime | None = None
) -> None:
    """``order_points_sync`` for many orders of one shop, with the common case set-based.

    Writes what ``order_points_sync`` writes for each order. The first earn of a paid order (the
    bulk of webhook traffic) is written for the whole batch in a fixed number of statements:
    members found (and enrolled) for all orders at once, locked in id order, the earn entries
    inserted with ``ON CONFLICT (shop, idempotency_key) DO NOTHING RETURNING``, then their lots,
    their ``OrderPoints`` and the members' new totals in one statement each. Orders with more to
    do (refunds to apply, a cancellation, an earn whose member is not among those locked) then
    go through ``order_points_sync`` one by one; they find the batch's writes. Raises
    ``EarnWrittenMeanwhile`` (the caller retries per order). Idempotent like
    ``order_points_sync``: everything is decided from the mirror and the ledger as they stand
    under the member locks.
    """
    at = now or timezone.now()
    ids = list(dict.fromkeys(order_shopify_ids))
    settings = program_settings_get(shop_id=shop.pk)
    with transaction.atomic(savepoint=False):
        # What decides who may earn (the amounts are read again under the locks below).
        orders = {
            o.shopify_id: o
            for o in Order.objects.select_related("customer")
            .only(*_ORDER_STATE, "customer")
            .filter(shop=shop, shopify_id__in=ids)
        }
        earned = dict(
            OrderPoints.objects.filter(shop=shop, order_shopify_id__in=list(orders)).values_list(
                "order_shopify_id", "member_id"
            )
        )
        # Members only for orders that may earn now (as order_points_sync: an unpaid order
        # enrols nobody).
        customers = _orders_customers(
            [o for i, o in orders.items() if i not in earned and order_earns(o)]
        )
        earners = members_for_earning(shop_id=shop.pk, customers=list(customers.values()), now=at)
        locked = {
            m.pk: m
            for m in Member.objects.select_for_update(of=("self",))
            .filter(pk__in={*earned.values(), *(m.pk for m in earners.values())})
            .order_by("pk")
        }
        members_changed(shop_id=shop.pk, members=locked.values())  # member_lock's, for a batch
        # Re-read under the member locks: another worker may have committed a newer mirror state
        # or an earn meanwhile (it held these locks to write it).
        orders = {
            o.shopify_id: o for o in Order.objects.filter(pk__in=[o.pk for o in orders.values()])
        }
        ops = {
            op.order_shopify_id: op
            for op in OrderPoints.objects.filter(shop=shop, order_shopify_id__in=list(orders))
        }
        unapplied = _orders_with_unapplied_refunds(shop=shop, order_shopify_ids=list(orders))
        later: list[int] = []  # orders for order_points_sync after the batch's writes
        new: list[tuple[Order, Member, PointsTransaction, Decimal, Decimal]] = []
        for order_id in ids:
            order = orders.get(order_id)
            if order is None:
                continue
            op = ops.get(order_id)
            if op is not None:
                if (
                    op.member_id not in locked
                    or (order.cancelled_at is not None and not op.cancelled)
                    or order_id in unapplied
                ):
                    later.append(order_id)
                continue
            if not order_earns(order):
                continue
            customer = customers.get(order_id)
            if customer is None:  # no customer, or not payable when members were looked up
                continue
            if order.customer_id not in (None, customer.pk):
                later.append(order_id)  # relinked meanwhile: decide with the new customer
                continue
            candidate = earners.get(customer.pk)
            if candidate is None or locked[candidate.pk].state != Member.State.ACTIVE:
                continue
            member = locked[candidate.pk]
            entry, eligible, factor = _earn_entry(
                member=member, order=order, settings=settings, at=at
            )
            if entry is None:
                continue
            new.append((order, member, entry, eligible, factor))
            if order_id in unapplied:
                later.append(order_id)
        _earns_write(new, at=at)
        for order_id in later:
            order_points_sync(shop=shop, order_shopify_id=order_id, now=at)


_ORDER_STATE = (
    "shop_id", "shopify_id", "financial_status", "cancelled_at", "customer_id",
    "customer_shopify_id",
)  # fmt: skip


def _orders_customers(orders: list[Order]) -> dict[int, Customer]:
    """Each order's customer (``_order_customer`` for many): by order id, those that have one."""
    found = {o.shopify_id: o.customer for o in orders if o.customer_id is not None}
    unlinked = {o.customer_shopify_id: o for o in orders if o.customer_id is None}
    unlinked.pop(None, None)
    if unlinked:
        shop_id = next(iter(unlinked.values())).shop_id
        for customer in Customer.objects.filter(shop_id=shop_id, shopify_id__in=list(unlinked)):
            for o in orders:
                if o.customer_id is None and o.customer_shopify_id == customer.shopify_id:
                    found[o.shopify_id] = customer
    return found


def _orders_with_unapplied_refunds(*, shop: Shop, order_shopify_ids: list[int]) -> set[int]:
    """Orders with a mirrored refund that has no ``PointsReversal`` yet."""
    refunds = dict(
        Refund.objects.filter(shop=shop, order_shopify_id__in=order_shopify_ids).values_list(
            "shopify_id", "order_shopify_id"
        )
    )
    if not refunds:
        return set()
    keys = {f"refund:{refund_id}:reverse": order_id for refund_id, order_id in refunds.items()}
    applied = PointsReversal.objects.filter(shop=shop, idempotency_key__in=list(keys))
    for key in applied.values_list("idempotency_key", flat=True):
        keys.pop(key)
    return set(keys.values())


def _earn_entry(
    *, member: Member, order: Order, settings: ProgramSettings, at: datetime
) -> tuple[PointsTransaction | None, Decimal, Decimal]:
    """The unsaved earn entry ``_order_earn`` would write (None when it earns nothing), its
    eligible amount and multiplier; the member's totals in memory are moved as ``entry_write``
    moves them, so the next order of the same member (and any multiplier provider) sees them."""
    eligible = order_eligible_amount(settings=settings, order=order)
    points, multiplier = order_quote(settings=settings, member=member, eligible=eligible)
    if points <= 0:
        return None, eligible, multiplier
    check_amount(points)
    placed_at = order.processed_at or order.shopify_created_at or at
    hold_until = placed_at + timedelta(days=settings.hold_days) if settings.hold_days else None
    pending = hold_until is not None and hold_until > at
    entry = PointsTransaction(
        shop_id=order.shop_id,
        member=member,
        amount=points,
        kind=Kind.ORDER,
        status=Status.PENDING if pending else Status.POSTED,
        idempotency_key=f"order:{order.shopify_id}:earn",
        source_type="order",
        source_id=str(order.shopify_id),
        note=f"Order {order.name}".strip()[:500],
        posts_at=hold_until if pending else None,
        posted_at=None if pending else at,
        expires_at=lot_expires_at(settings=settings, earned_at=placed_at),
        earned_at=placed_at,
    )
    if pending:
        member.pending += points
    else:
        member.balance += points
        member.lifetime_earned += points  # an order earn counts toward lifetime_earned
    member.last_activity_at = max(member.last_activity_at, at)
    return entry, eligible, multiplier


def _earns_write(
    new: list[tuple[Order, Member, PointsTransaction, Decimal, Decimal]], *, at: datetime
) -> None:
    """Insert the batch's earn entries, their lots (posted ones), ``OrderPoints``, and the
    members' totals moved in memory by ``_earn_entry``: one statement each."""
    if not new:
        return
    entries = [entry for _, _, entry, _, _ in new]
    if len(rows_insert_new(rows=entries, unique=["shop", "idempotency_key"])) < len(entries):
        raise EarnWrittenMeanwhile()
    PointsLot.objects.bulk_create(
        PointsLot(
            shop_id=e.shop_id,
            member=e.member,
            entry=e,
            amount=e.amount,
            remaining=e.amount,
            earned_at=e.earned_at or e.created_at or at,
            expires_at=e.expires_at,
        )
        for e in entries
        if e.status == Status.POSTED
    )
    OrderPoints.objects.bulk_create(
        OrderPoints(
            shop_id=order.shop_id,
            order_shopify_id=order.shopify_id,
            member=member,
            earn_entry=entry,
            eligible_amount=eligible,
            awarded=entry.amount,
            multiplier=factor,
        )
        for order, member, entry, eligible, factor in new
    )
    members = list({member.pk: member for _, member, _, _, _ in new}.values())
    rows_update(rows=members, fields=["balance", "pending", "lifetime_earned", "last_activity_at"])
