"""Redemption: points → a single-use Shopify discount code for that customer only.

The flow (architecture.md, key flow 4):

1. ``reward_redeem`` locks the member, checks the balance and the reward, writes the redeem
   entry and the ``Redemption`` (pending) in one transaction, and enqueues the issue task on
   commit. Two hundred concurrent requests against a balance good for ten give ten
   redemptions: the member lock serialises them and the balance CHECK backs it up.
2. ``redemption_issue`` (a task, outside any transaction) creates the code through the Admin
   API. The code string is derived from the redemption id, so a retry after a lost response
   gets ``TAKEN`` and resolves to the code already made. Success marks it ``issued``.
3. A permanent failure (userErrors other than TAKEN, a 4xx, an uninstalled shop) refunds the
   points with a compensating entry and marks it ``refunded``. Retriable failures retry with
   backoff; after ``MAX_ATTEMPTS`` attempts the points are refunded, so every redemption ends
   ``issued`` (then perhaps ``used``) or ``refunded``. ``redemption_sweep`` re-enqueues
   redemptions whose task was lost.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from loyalty.exceptions import (
    InsufficientPoints,
    InvalidRewardPoints,
    MemberExcluded,
    RewardUnavailable,
)
from loyalty.models import LotAllocation, Member, PointsTransaction, Redemption, Reward
from loyalty.services.discount_codes import (
    discount_code_create,
    offer_discount_input,
    reward_offer,
)
from loyalty.services.invalidation import member_ids_changed
from loyalty.services.ledger import entry_write, member_lock
from loyalty.services.program import program_settings_get
from shopify_app.exceptions import (
    ShopifyError,
    ShopifyRetriableError,
)
from shopify_app.models import Shop

logger = logging.getLogger(__name__)

Kind = PointsTransaction.Kind
Status = Redemption.Status
# Issue attempts (each already retried inside admin_api) before the points go back.
MAX_ATTEMPTS = 6
# A pending redemption older than this has lost its task; the sweeper enqueues it again.
SWEEP_AFTER = timedelta(minutes=5)
# Namespace for redemption ids derived from a client's request key (a retried POST).
_REQUEST_NAMESPACE = uuid.UUID("6f1d7c0e-2b7a-4d0a-9a55-3f0c1b9e8d21")


def redemption_code(*, redemption_id: uuid.UUID, prefix: str) -> str:
    """The discount code for a redemption: derived from its (random) id, so it is unguessable
    and the same on every retry."""
    return f"{prefix}-{redemption_id.hex[:12]}".upper()


def reward_quote(*, reward: Reward, points: int | None) -> tuple[int, Decimal | None]:
    """(points to spend, amount off) for a reward; ``points`` only for variable rewards.

    Raises ``InvalidRewardPoints`` when variable points are missing, off-increment or outside
    the reward's min/max.
    """
    if reward.kind != Reward.Kind.VARIABLE_AMOUNT:
        return reward.points_cost, reward.amount
    if points is None or points <= 0 or points % reward.points_cost:
        raise InvalidRewardPoints(extra={"increment": reward.points_cost})
    if reward.min_points and points < reward.min_points:
        raise InvalidRewardPoints(extra={"min": reward.min_points})
    if reward.max_points and points > reward.max_points:
        raise InvalidRewardPoints(extra={"max": reward.max_points})
    amount = (reward.amount or Decimal(0)) * (points // reward.points_cost)
    return points, amount.quantize(Decimal("0.01"))


def reward_redeem(
    *,
    member: Member,
    reward: Reward,
    points: int | None = None,
    request_key: str | None = None,
    now: datetime | None = None,
) -> Redemption:
    """Spend points on a reward; the code is created after commit (``redemption_issue``).

    Writes: a ``redeem`` entry keyed ``redemption:<uuid>`` (consuming lots FIFO) and a pending
    ``Redemption``. Raises ``MemberExcluded``, ``RewardUnavailable``, ``InvalidRewardPoints``
    or ``InsufficientPoints``. With ``request_key`` (the client's id for this click) a retried
    request returns the first redemption instead of spending twice.
    """
    from loyalty.tasks import redemption_issue as redemption_issue_task

    at = now or timezone.now()
    redemption_id = (
        uuid.uuid5(_REQUEST_NAMESPACE, f"{member.shop_id}:{member.pk}:{request_key}")
        if request_key
        else uuid.uuid4()
    )
    with transaction.atomic():
        locked = member_lock(member_id=member.pk)
        existing = Redemption.objects.filter(pk=redemption_id).first()
        if existing is not None:
            return existing
        if locked.state != Member.State.ACTIVE:
            raise MemberExcluded()
        if not reward.active or reward.shop_id != locked.shop_id:
            raise RewardUnavailable()
        cost, amount = reward_quote(reward=reward, points=points)
        if cost > locked.balance:
            raise InsufficientPoints(extra={"balance": locked.balance, "points": cost})
        settings = program_settings_get(shop_id=locked.shop_id)
        entry, _ = entry_write(
            member=locked,
            amount=-cost,
            kind=Kind.REDEEM,
            idempotency_key=f"redemption:{redemption_id}",
            source_type="reward",
            source_id=str(reward.pk),
            note=reward.name,
            now=at,
        )
        redemption = Redemption.objects.create(
            id=redemption_id,
            shop_id=locked.shop_id,
            member=locked,
            reward=reward,
            points=cost,
            amount=amount,
            percent=reward.percent,
            offer=reward_offer(reward=reward),
            code=redemption_code(redemption_id=redemption_id, prefix=settings.code_prefix),
            debit_entry=entry,
            ends_at=at + timedelta(days=reward.code_expiry_days)
            if reward.code_expiry_days
            else None,
        )
        transaction.on_commit(lambda: redemption_issue_task.delay(redemption_id=str(redemption_id)))
    return redemption


# --- issuing the code --------------------------------------------------------------------------


def discount_input(*, redemption: Redemption, customer_gid: str) -> tuple[str, str, dict]:
    """(document, field, variables) that create the redemption's code."""
    # Only the frozen offer: the reward may have been edited since the points were spent.
    return offer_discount_input(
        offer=redemption.offer,
        code=redemption.code,
        amount=redemption.amount,
        percent=redemption.percent,
        starts_at=redemption.created_at,
        ends_at=redemption.ends_at,
        customer_gid=customer_gid,
    )


def redemption_issue(*, redemption_id: str) -> Redemption:
    """Create the redemption's discount code in Shopify (never inside a transaction).

    Writes the outcome on the Redemption: ``issued`` with the node id, or — on a permanent
    failure — ``refunded`` with a compensating entry (``redemption_refund``). Raises
    ``ShopifyRetriableError`` for the task to retry (after counting the attempt; the last
    attempt refunds instead). Idempotent: a non-pending redemption is returned unchanged, and a
    code that already exists (``TAKEN``, a retry after a lost response) counts as issued.
    """
    redemption = Redemption.objects.select_related("member__customer", "shop").get(pk=redemption_id)
    if redemption.status != Status.PENDING:
        return redemption
    document, field, variables = discount_input(
        redemption=redemption, customer_gid=redemption.member.customer.gid
    )
    try:
        node_id = discount_code_create(
            shop=redemption.shop, document=document, field=field, variables=variables,
            code=redemption.code,
        )  # fmt: skip
    except ShopifyRetriableError as exc:
        attempts = _attempt_record(redemption_id=redemption.pk, error=str(exc))
        if attempts < MAX_ATTEMPTS:
            raise
        return redemption_refund(redemption_id=redemption.pk, reason=f"gave up: {exc}")
    except ShopifyError as exc:
        # userErrors other than TAKEN, a 4xx, a revoked token: Shopify will not make this code.
        _attempt_record(redemption_id=redemption.pk, error=str(exc))
        return redemption_refund(redemption_id=redemption.pk, reason=str(exc))
    if Redemption.objects.filter(pk=redemption.pk, status=Status.PENDING).update(
        status=Status.ISSUED, discount_node_id=node_id, issued_at=timezone.now(), last_error=""
    ):
        member_ids_changed(shop_id=redemption.shop_id, member_ids=[redemption.member_id])
    redemption.refresh_from_db()
    return redemption


def _attempt_record(*, redemption_id: uuid.UUID, error: str) -> int:
    with transaction.atomic():
        redemption = Redemption.objects.select_for_update().get(pk=redemption_id)
        redemption.attempts += 1
        redemption.last_error = error[:2000]
        redemption.save(update_fields=["attempts", "last_error"])
        return redemption.attempts


def redemption_refund(*, redemption_id: uuid.UUID, reason: str) -> Redemption:
    """Give a pending redemption's points back and mark it ``refunded``.

    Writes a ``redeem_refund`` credit keyed ``redemption:<uuid>:refund`` that reverses the
    redeem entry (none for a code given without points). Its lot keeps the earliest earn date
    and expiry of the lots the redemption used, so a failed code never extends the points'
    life. Idempotent: only a pending redemption is refunded, under the member lock.
    """
    with transaction.atomic():
        member_id = Redemption.objects.values_list("member_id", flat=True).get(pk=redemption_id)
        member = member_lock(member_id=member_id)
        redemption = Redemption.objects.get(pk=redemption_id)
        if redemption.status != Status.PENDING:
            return redemption
        if redemption.debit_entry_id is None:
            # A code given without points (``reward_grants``): nothing to give back.
            redemption.status = Status.REFUNDED
            redemption.refunded_at = timezone.now()
            redemption.last_error = reason[:2000]
            redemption.save(update_fields=["status", "refunded_at", "last_error"])
            return redemption
        used = LotAllocation.objects.filter(entry_id=redemption.debit_entry_id).aggregate(
            earned=Min("lot__earned_at"), expires=Min("lot__expires_at")
        )
        entry, _ = entry_write(
            member=member,
            amount=redemption.points,
            kind=Kind.REDEEM_REFUND,
            idempotency_key=f"redemption:{redemption.pk}:refund",
            source_type="redemption",
            source_id=str(redemption.pk),
            reverses=redemption.debit_entry,
            reason=reason[:255],
            note="Reward could not be created; points returned",
            earned_at=used["earned"],
            expires_at=used["expires"],
        )
        redemption.status = Status.REFUNDED
        redemption.refund_entry = entry
        redemption.refunded_at = timezone.now()
        redemption.last_error = reason[:2000]
        redemption.save(update_fields=["status", "refund_entry", "refunded_at", "last_error"])
        return redemption


def redemptions_mark_used(
    *, shop: Shop, codes: list[str], order_shopify_id: int, now: datetime | None = None
) -> int:
    """Mark the redemptions whose codes an order used (from the order's ``discount_codes``).

    A pending one is marked too: Shopify accepted the code, so it exists, and a ``used``
    redemption is never refunded. Idempotent: already-used redemptions are left alone.
    Returns how many changed.
    """
    wanted = {c.strip().upper() for c in codes if c and c.strip()}
    if not wanted:
        return 0
    found = Redemption.objects.filter(
        shop=shop, code__in=wanted, status__in=[Status.PENDING, Status.ISSUED]
    )
    member_ids_changed(shop_id=shop.pk, member_ids=found.values_list("member_id", flat=True))
    return found.update(
        status=Status.USED, used_at=now or timezone.now(), used_order_shopify_id=order_shopify_id
    )


def redemptions_mark_used_many(
    *, shop: Shop, uses: Sequence[tuple[str, int]], now: datetime | None = None
) -> int:
    """``redemptions_mark_used`` for a batch of orders: ``uses`` is ``(code, order id)`` pairs,
    in delivery order. One statement for the whole batch (``UPDATE … FROM`` the pairs). A code
    two orders of the batch used is marked with the first, as processing them one by one
    would. Idempotent; returns how many redemptions changed."""
    first: dict[str, int] = {}
    for code, order_id in uses:
        wanted = code.strip().upper() if code else ""
        if wanted:
            first.setdefault(wanted, order_id)
    if not first:
        return 0
    quote = connection.ops.quote_name
    table = quote(Redemption._meta.db_table)
    # A UNION of SELECTs rather than VALUES: SQLite cannot name the columns of VALUES.
    pairs = " UNION ALL ".join(
        ["SELECT %s AS code, %s AS order_id"] + ["SELECT %s, %s"] * (len(first) - 1)
    )
    # S608: identifiers from the model and placeholders; every value is a bound parameter.
    sql = (
        f"UPDATE {table} SET status = %s, used_at = %s, used_order_shopify_id = v.order_id"  # noqa: S608
        f" FROM ({pairs}) AS v"
        f" WHERE {table}.shop_id = %s AND {table}.code = v.code AND {table}.status IN (%s, %s)"
    )
    params: list[object] = [Status.USED, now or timezone.now()]
    for code, order_id in first.items():
        params += [code, order_id]
    params += [shop.pk, Status.PENDING, Status.ISSUED]
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {table}.member_id", params)
        changed = [row[0] for row in cursor.fetchall()]
    member_ids_changed(shop_id=shop.pk, member_ids=changed)
    return len(changed)


def redemption_sweep(*, now: datetime | None = None) -> int:
    """Re-enqueue the issue task of redemptions pending longer than ``SWEEP_AFTER`` (a lost
    broker message, a killed worker). Returns how many were enqueued."""
    from loyalty.tasks import redemption_issue as redemption_issue_task

    cutoff = (now or timezone.now()) - SWEEP_AFTER
    ids = list(
        Redemption.objects.filter(status=Status.PENDING, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        redemption_issue_task.delay(redemption_id=str(pk))
    return len(ids)
