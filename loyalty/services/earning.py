"""Earning: points for orders (with refunds and cancellations) and for actions.

Orders are reconciled, not replayed. ``order_points_sync`` looks at the mirrored Order and its
Refunds (``shopify_app`` upserts them before our handlers run, newest ``updated_at`` winning)
and writes whatever entries are missing, each under a deterministic key:

- ``order:<id>:earn``: the earn, once, from the eligible amount x rate x multiplier, rounded
  down; pending until the hold period ends when one is set.
- ``refund:<id>:reverse``: per refund, the refunded share of the *points actually awarded*.
  The target is computed from the cumulative refunded amount, so several partial refunds add
  up to exactly the award when everything is refunded, whatever order they arrive in.
- ``order:<id>:cancel``: the rest of the award; a still-pending earn is voided instead.

Because every path ends in the same reconciliation, duplicated and out-of-order
``orders/paid``, ``orders/updated``, ``orders/cancelled`` and ``refunds/create`` deliveries
converge on one correct result: a refund that arrives before ``orders/paid`` is applied right
after the earn; an order cancelled before it was paid earns nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from loyalty.exceptions import MemberExcluded, RuleLimitReached, RuleUnavailable
from loyalty.models import (
    EarningRule,
    Member,
    OrderPoints,
    PointsLot,
    PointsReversal,
    PointsTransaction,
    ProgramSettings,
)
from loyalty.services.bulk import rows_insert_new, rows_update
from loyalty.services.invalidation import members_changed
from loyalty.services.ledger import (
    check_amount,
    entry_post_locked,
    entry_void_locked,
    entry_write,
    member_lock,
)
from loyalty.services.members import member_for_earning, members_for_earning
from loyalty.services.program import lot_expires_at, program_settings_get, shop_zone
from shopify_app.models import Customer, Order, Refund, Shop

Kind = PointsTransaction.Kind
Status = PointsTransaction.Status
ZERO = Decimal(0)
CENT = Decimal("0.01")
# Shopify financial statuses of an order that has been paid (refunds keep it earned-then-
# reversed, so a refunded order first seen late still gets the right net result).
PAID_STATUSES = frozenset({"paid", "partially_refunded", "refunded"})

# --- multipliers: the hook the VIP club fills --------------------------------------------------

MultiplierProvider = Callable[..., Decimal]
_multiplier_providers: list[MultiplierProvider] = []


def register_multiplier_provider(provider: MultiplierProvider) -> None:
    """Add ``provider(*, member, kind) -> Decimal`` (e.g. the VIP tier's 1.5x). Providers are
    multiplied together; with none registered the multiplier is 1. Registering twice is a no-op.
    """
    if provider not in _multiplier_providers:
        _multiplier_providers.append(provider)


def unregister_multiplier_provider(provider: MultiplierProvider) -> None:
    if provider in _multiplier_providers:
        _multiplier_providers.remove(provider)


def earning_multiplier(*, member: Member, kind: str) -> Decimal:
    result = Decimal(1)
    for provider in _multiplier_providers:
        factor = Decimal(provider(member=member, kind=kind))
        if factor < 0:
            raise ValueError(f"multiplier provider {provider!r} returned {factor}")
        result *= factor
    return result


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


# --- eligible amounts --------------------------------------------------------------------------


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else ZERO


def _gift_card_amount(line_items: list[dict]) -> Decimal:
    total = ZERO
    for line in line_items or []:
        if line.get("gift_card"):
            quantity = int(line.get("quantity") or 0)
            total += _money(line.get("price")) * quantity - _money(line.get("total_discount"))
    return total


def order_eligible_amount(*, settings: ProgramSettings, order: Order) -> Decimal:
    """The amount that earns: subtotal after discounts, less gift cards (if excluded), plus
    shipping and tax when the merchant includes them. From the order as placed (refunds are
    handled separately), so it does not move when later updates arrive."""
    amount = _money(order.subtotal_price)
    if settings.exclude_gift_cards:
        amount -= _gift_card_amount(order.line_items)
    if settings.include_shipping:
        amount += _money(order.total_shipping)
    if settings.include_tax:
        amount += _money(order.total_tax)
    return max(amount, ZERO).quantize(CENT)


def refund_eligible_amount(*, settings: ProgramSettings, refund: Refund) -> Decimal:
    """The part of the eligible amount a refund gives back, measured the same way."""
    amount = ZERO
    for line in refund.refund_line_items or []:
        if settings.exclude_gift_cards and line.get("gift_card"):
            continue
        amount += _money(line.get("subtotal"))
        if settings.include_tax:
            amount += _money(line.get("total_tax"))
    if settings.include_shipping:
        amount += _money(refund.shipping_refunded)
    return max(amount, ZERO).quantize(CENT)


def order_points_quote(*, settings: ProgramSettings, member: Member, eligible: Decimal) -> int:
    """Points for an eligible amount: rate x multiplier, rounded down; 0 under the minimum."""
    return _order_quote(settings=settings, member=member, eligible=eligible)[0]


def _order_quote(
    *, settings: ProgramSettings, member: Member, eligible: Decimal
) -> tuple[int, Decimal]:
    """``order_points_quote`` and the multiplier it used (recorded on ``OrderPoints``)."""
    if not settings.enabled or eligible <= 0:
        return 0, Decimal(1)
    if settings.minimum_order is not None and eligible < settings.minimum_order:
        return 0, Decimal(1)
    multiplier = earning_multiplier(member=member, kind=Kind.ORDER)
    return _floor(eligible * settings.points_per_unit * multiplier), multiplier


# --- orders ------------------------------------------------------------------------------------


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
            [o for i, o in orders.items() if i not in earned and _earns(o)]
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
            if not _earns(order):
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


def _earns(order: Order) -> bool:
    return order.financial_status in PAID_STATUSES and order.cancelled_at is None


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
    points, multiplier = _order_quote(settings=settings, member=member, eligible=eligible)
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


def _order_earn(
    *, member: Member, order: Order, settings: ProgramSettings, at: datetime
) -> OrderPoints | None:
    eligible = order_eligible_amount(settings=settings, order=order)
    points, multiplier = _order_quote(settings=settings, member=member, eligible=eligible)
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
        kept = _floor(Decimal(op.awarded) * (op.eligible_amount - cumulative) / op.eligible_amount)
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


# --- actions -----------------------------------------------------------------------------------


def _rule_key(*, rule: EarningRule, member: Member, occurrence: str, at: datetime) -> str:
    if rule.limit == EarningRule.Limit.ONCE:
        return f"rule:{rule.pk}:member:{member.pk}"
    if rule.limit == EarningRule.Limit.ONCE_PER_YEAR:
        year = timezone.localtime(at, shop_zone(member.shop.timezone)).year
        return f"rule:{rule.pk}:member:{member.pk}:{year}"
    return f"rule:{rule.pk}:{occurrence}"


@transaction.atomic
def action_points_award(
    *, member: Member, rule: EarningRule, occurrence: str, now: datetime | None = None
) -> PointsTransaction:
    """Award an action rule's points to a member.

    ``occurrence`` names the event (a review id, a custom event id); rules limited to once or
    once a year key on the member (and the year in the shop's timezone) instead, so repeats
    return the first entry. ``per_period`` rules count the member's awards of that rule in the
    trailing window under the member lock. Raises ``RuleUnavailable``, ``MemberExcluded`` or
    ``RuleLimitReached``. Idempotent per (rule, occurrence).
    """
    at = now or timezone.now()
    if not rule.active or rule.shop_id != member.shop_id:
        raise RuleUnavailable()
    locked = member_lock(member_id=member.pk)
    if locked.state != Member.State.ACTIVE:
        raise MemberExcluded()
    key = _rule_key(rule=rule, member=locked, occurrence=occurrence, at=at)
    existing = PointsTransaction.objects.filter(shop_id=rule.shop_id, idempotency_key=key).first()
    if existing is not None:
        return existing
    if rule.limit == EarningRule.Limit.PER_PERIOD:
        since = at - timedelta(days=rule.limit_period_days)
        earlier = (
            PointsTransaction.objects.filter(
                member=locked, source_type="rule", source_id=str(rule.pk), posted_at__gt=since
            )
            .exclude(status=Status.VOID)
            .count()
        )
        if earlier >= rule.limit_count:
            raise RuleLimitReached(
                extra={"limit": rule.limit_count, "days": rule.limit_period_days}
            )
    settings = program_settings_get(shop_id=rule.shop_id)
    points = _floor(rule.points * earning_multiplier(member=locked, kind=Kind.ACTION))
    if points <= 0:
        raise RuleUnavailable()
    entry, _ = entry_write(
        member=locked,
        amount=points,
        kind=Kind.ACTION,
        idempotency_key=key,
        source_type="rule",
        source_id=str(rule.pk),
        note=rule.name,
        expires_at=lot_expires_at(settings=settings, earned_at=at),
        now=at,
    )
    return entry


def _rule(*, shop_id: int, kind: str, **lookup: str) -> EarningRule:
    rule = EarningRule.objects.filter(shop_id=shop_id, kind=kind, active=True, **lookup).first()
    if rule is None:
        raise RuleUnavailable(extra={"kind": kind, **lookup})
    return rule


def signup_points_award(*, member: Member, now: datetime | None = None) -> PointsTransaction | None:
    """The signup rule's points (once per member); None when the shop has no signup rule."""
    rule = EarningRule.objects.filter(
        shop_id=member.shop_id, kind=EarningRule.Kind.SIGNUP, active=True
    ).first()
    if rule is None:
        return None
    return action_points_award(member=member, rule=rule, occurrence=f"member:{member.pk}", now=now)


def social_follow_award(
    *, member: Member, network: str, now: datetime | None = None
) -> PointsTransaction:
    """Points for following the shop on a network (honour system: the launcher sends the
    shopper to the page and reports the visit). Once per member and network by default."""
    rule = _rule(shop_id=member.shop_id, kind=EarningRule.Kind.SOCIAL_FOLLOW, network=network)
    return action_points_award(member=member, rule=rule, occurrence=f"member:{member.pk}", now=now)


def review_points_award(
    *, member: Member, review_id: str, now: datetime | None = None
) -> PointsTransaction:
    """Points for a product review, idempotent per review id (review apps retry)."""
    rule = _rule(shop_id=member.shop_id, kind=EarningRule.Kind.PRODUCT_REVIEW)
    return action_points_award(member=member, rule=rule, occurrence=f"review:{review_id}", now=now)


def custom_action_award(
    *, member: Member, handle: str, event_id: str, now: datetime | None = None
) -> PointsTransaction:
    """Points for a merchant-defined action (``handle``), idempotent per ``event_id``."""
    rule = _rule(shop_id=member.shop_id, kind=EarningRule.Kind.CUSTOM, handle=handle)
    return action_points_award(member=member, rule=rule, occurrence=f"event:{event_id}", now=now)
