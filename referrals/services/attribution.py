"""Attribution and the referrer's reward, reconciled from the mirrored order.

``referral_order_sync`` runs for every orders/paid, orders/cancelled and refunds/create
delivery, after ``shopify_app``'s mirror upserts (so it reads the newest state of the order and
its refunds whatever order the deliveries came in) and after ``loyalty``'s handlers (which do
not depend on it). It:

1. binds the order to a claimed referral, once: the referral whose code the order used, else
   the one claimed by the order's email within the attribution window before the order;
2. runs the fraud checks then (completed, held or rejected, with the findings);
3. grants the reward of a completed referral through ``loyalty.services.grants``: points keyed
   ``referral:<id>:reward`` and pending until the hold ends, or the program's catalog reward,
   its code starting when the hold ends (``referrals.services.rewards``);
4. voids that reward when the order is cancelled or fully refunded within the hold;
5. marks the referrer's granted codes that a paid order of theirs used.

Every step is idempotent, so duplicated and reordered deliveries converge on one result.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from loyalty.exceptions import MemberExcluded, RewardUnavailable
from loyalty.models import PointsTransaction
from loyalty.services.grants import points_grant, points_grant_void
from referrals.models import Referral, ReferralCode, ReferralProgram
from referrals.normalise import email_canonical, email_normalise, ip_normalise
from referrals.services.changes import referrer_changed
from referrals.services.fraud import HOLD, REJECT, order_findings, referrer_signals_record
from referrals.services.program import referral_program_get
from referrals.services.rewards import (
    referral_reward_grant,
    referral_reward_revocable,
    referral_reward_revoke,
    reward_codes_mark_used,
)
from shopify_app.models import Order, Refund, Shop

logger = logging.getLogger(__name__)

Status = Referral.Status
# An order is attributed to claims made before it. Shopify's timestamps have whole seconds and
# come from Shopify's clock, not ours: a claim this much "after" the order still counts.
CLOCK_SKEW = timedelta(minutes=1)
# Shopify financial statuses of an order that has been paid.
PAID_STATUSES = frozenset({"paid", "partially_refunded", "refunded"})


def reward_key(referral: Referral) -> str:
    return f"referral:{referral.pk}:reward"


def _order_at(order: Order) -> datetime:
    return order.processed_at or order.shopify_created_at or order.created_at


def order_undone_at(*, order: Order) -> datetime | None:
    """When the order was cancelled, or fully refunded (by the refunds' sum), else None."""
    if order.cancelled_at:
        return order.cancelled_at
    refunds = Refund.objects.filter(shop_id=order.shop_id, order_shopify_id=order.shopify_id)
    total = refunds.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    if order.total_price > 0 and total >= order.total_price:
        last = refunds.order_by("-processed_at").values_list("processed_at", flat=True).first()
        return last or order.shopify_updated_at or timezone.now()
    return None


def _candidate(
    *, shop: Shop, order: Order, program: ReferralProgram
) -> tuple[Referral, str] | None:
    """The claimed referral this order completes, locked, and how it was attributed."""
    claimed = Referral.objects.select_for_update().filter(
        shop=shop, status=Status.CLAIMED, order_shopify_id__isnull=True
    )
    at = _order_at(order) + CLOCK_SKEW
    codes = [str(c).strip().upper() for c in order.discount_codes or [] if str(c).strip()]
    if codes:
        by_code = claimed.filter(discount_code__in=codes, claimed_at__lte=at).first()
        if by_code is not None:
            return by_code, Referral.Attribution.CODE
    emails = {order.email or "", order.customer.email if order.customer else ""} - {""}
    if not emails:
        return None
    match = Q()
    for email in emails:
        match |= Q(friend_email=email_normalise(email))
        match |= Q(friend_email_canonical=email_canonical(email))
    since = at - timedelta(days=program.attribution_days)
    by_email = (
        claimed.filter(match, claimed_at__lte=at, claimed_at__gte=since)
        .order_by("-claimed_at")
        .first()
    )
    return (by_email, Referral.Attribution.EMAIL) if by_email is not None else None


def _decide(
    *,
    referral: Referral,
    program: ReferralProgram,
    order: Order,
    payload: dict[str, Any],
    at: datetime,
) -> None:
    findings = (
        order_findings(referral=referral, program=program, order=order, payload=payload, at=at)
        if program.fraud_checks
        else []
    )
    decisive = next((f for f in findings if f.decision == REJECT), None) or next(
        (f for f in findings if f.decision == HOLD), None
    )
    referral.fraud_evidence = {"findings": [f.as_json() for f in findings]}
    if decisive is None:
        referral.status, referral.completed_at = Status.COMPLETED, at
        return
    referral.fraud_rule = decisive.rule
    referral.decided_at = at
    referral.status = Status.REJECTED if decisive.decision == REJECT else Status.HELD


def _rewarded(referral: Referral) -> bool:
    return referral.reward_entry_id is not None or bool(referral.reward_code)


def _grant(
    *, referral: Referral, program: ReferralProgram, hold_until: datetime | None, at: datetime
) -> None:
    if program.referrer_reward_id is not None:
        referral_reward_grant(
            referral=referral, reward_id=program.referrer_reward_id, hold_until=hold_until, at=at
        )
        return
    entry = points_grant(
        member=referral.referrer,
        points=program.referrer_points,
        kind=PointsTransaction.Kind.REFERRAL,
        idempotency_key=reward_key(referral),
        source_type="referral",
        source_id=str(referral.pk),
        note="Friend referral",
        hold_until=hold_until,
        now=at,
    )
    referral.reward_entry, referral.reward_points = entry, entry.amount


def referral_reward_reconcile(
    *, referral: Referral, program: ReferralProgram, order: Order, at: datetime
) -> None:
    """Grant a completed referral's reward, or void it when the order was undone within the
    hold. The caller holds the referral's row lock and saves it."""
    undone = order_undone_at(order=order)
    if referral.status == Status.COMPLETED and not _rewarded(referral) and not undone:
        hold_until = (
            _order_at(order) + timedelta(days=program.hold_days) if program.hold_days else None
        )
        try:
            _grant(referral=referral, program=program, hold_until=hold_until, at=at)
        except MemberExcluded:
            referral.decision_note = "The referrer is excluded from the program: no reward."
            return
        except RewardUnavailable:
            referral.decision_note = "The program's reward is no longer in the catalog: no reward."
            return
    if undone is None or referral.status in (Status.REJECTED, Status.REVERSED):
        return
    if not _rewarded(referral):
        # Held (or never rewarded): nothing to take back, and nothing left to approve.
        referral.status, referral.reversed_at = Status.REVERSED, at
        return
    if referral.reward_code:
        # Undone before the hold's end (by the refund's or cancellation's own time, however
        # late its webhook came): the code is voided, or found used and kept.
        if referral_reward_revocable(referral=referral, at=undone):
            referral.status, referral.reversed_at = Status.REVERSED, at
            referral_reward_revoke(referral=referral)
        return
    if points_grant_void(
        shop_id=referral.shop_id, idempotency_key=reward_key(referral), now=undone
    ):
        referral.status, referral.reversed_at = Status.REVERSED, at


def referrals_relevant_orders(*, shop: Shop, payloads: list[dict[str, Any]]) -> set[int]:
    """Of these order bodies, the ids of the orders a referral may concern: bound to one, or
    carrying a claimed referral's code or friend email, or placed by a referrer (whose
    signals are recorded). A superset is harmless (``referral_order_sync`` decides); the point
    is to skip the rest in three statements."""
    if not payloads or not referral_program_get(shop_id=shop.pk).active:
        return set()
    by_id: dict[int, dict[str, Any]] = {}
    for body in payloads:
        customer = body.get("customer") or {}
        emails = {str(e) for e in (body.get("email"), customer.get("email")) if e}
        by_id[int(body["id"])] = {
            "codes": {
                str(c.get("code", "")).strip().upper()
                for c in body.get("discount_codes") or []
                if c.get("code")
            },
            "emails": {email_normalise(e) for e in emails} | {email_canonical(e) for e in emails},
            "customer": customer.get("id"),
        }
    codes = set().union(*(o["codes"] for o in by_id.values()))
    emails = set().union(*(o["emails"] for o in by_id.values()))
    rows = Referral.objects.filter(
        Q(order_shopify_id__in=list(by_id))
        | Q(status=Status.CLAIMED)
        & (
            Q(discount_code__in=codes)
            | Q(friend_email__in=emails)
            | Q(friend_email_canonical__in=emails)
        ),
        shop=shop,
    ).values_list("order_shopify_id", "discount_code", "friend_email", "friend_email_canonical")
    bound, keys = set(), set()
    for order_id, code, email, canonical in rows:
        bound.add(order_id)
        keys |= {code, email, canonical}
    customers = {o["customer"] for o in by_id.values() if o["customer"]}
    referrers = set(
        ReferralCode.objects.filter(
            shop=shop, member__customer__shopify_id__in=customers
        ).values_list("member__customer__shopify_id", flat=True)
    ) if customers else set()  # fmt: skip
    return {
        order_id
        for order_id, o in by_id.items()
        if order_id in bound or (o["codes"] | o["emails"]) & keys or o["customer"] in referrers
    }


def referral_order_sync(
    *,
    shop: Shop,
    order_shopify_id: int,
    payload: dict[str, Any] | None,
    now: datetime | None = None,
) -> Referral | None:
    """Reconcile the referral of one order (see the module doc). Returns it, or None.

    ``payload`` is the order's body (orders/*), which carries what the fraud checks need and
    the mirror does not keep; None (refunds/create) only reconciles an attributed referral.
    """
    at = now or timezone.now()
    program = referral_program_get(shop_id=shop.pk)
    with transaction.atomic():
        # The order's row lock serialises the deliveries of one order (a paid and a cancel
        # processed by two workers at once), and the read after it sees the newest state.
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("customer")
            .filter(shop=shop, shopify_id=order_shopify_id)
            .first()
        )
        if order is None:
            return None  # a refund before its order: orders/paid reconciles it
        if payload is not None and order.discount_codes and order.financial_status in PAID_STATUSES:
            reward_codes_mark_used(shop=shop, codes=list(order.discount_codes), now=at)
        referral = (
            Referral.objects.select_for_update()
            .select_related("referrer__customer")
            .filter(shop=shop, order_shopify_id=order_shopify_id)
            .first()
        )
        if referral is None:
            if (
                payload is None
                or not program.active
                or order.financial_status not in PAID_STATUSES
                or order_undone_at(order=order)
            ):
                return None
            referrer_signals_record(shop_id=shop.pk, order=order, payload=payload)
            found = _candidate(shop=shop, order=order, program=program)
            if found is None:
                return None
            referral, attributed_by = found
            referral.order_shopify_id = order.shopify_id
            referral.friend_customer_shopify_id = order.customer_shopify_id
            referral.order_total = order.total_price
            referral.order_ip = ip_normalise(payload.get("browser_ip")) or None
            referral.attributed_by = attributed_by
            _decide(referral=referral, program=program, order=order, payload=payload, at=at)
        referral_reward_reconcile(referral=referral, program=program, order=order, at=at)
        referral.save()
        referrer_changed(referral)
    return referral
