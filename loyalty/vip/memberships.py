"""The paid club: an invitation-only tier bought as a membership product (Rapha's club).

A tier may name the product variant that sells it and a term (days or months). Purchases are
reconciled, not replayed, as order points are: ``memberships_sync`` reads the mirrored order and
all its refunds (``shopify_app`` upserted them before the club's handlers run) and states, per
order line of a membership variant, what stands — active from the payment for the term (times
the quantity not refunded), or revoked (the line refunded, the order refunded in full or
cancelled). So
duplicated and reordered ``orders/paid``, ``orders/updated``, ``orders/cancelled`` and
``refunds/create`` converge: a refund seen before the payment leaves nothing granted, since
the payment then finds the refund already mirrored.

``member_membership_apply`` then decides the member's tier from their running purchases: the
highest-ranked one is held until the latest end of its purchases (``kept_until``), history
reason ``purchased``; when none runs any more, a tier revoked within its term ends now and the
evaluation gives the member the tier their own basis earns (reason ``refunded``). A term that
simply ran out is ended by the nightly evaluation (an invitation-only tier past ``kept_until``
is re-decided like any other).

A bought tier is a floor, not a ceiling: a member whose own basis earns a higher tier moves up
to it (``vip.evaluation``), and the purchase waits below; should they drop below it within its
term (a refund, a downgrade), ``memberships_refresh`` holds it again, after the order's
evaluation and after the nightly one.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from loyalty.models import Member
from loyalty.services.ledger import member_lock
from loyalty.services.members import member_for_earning
from loyalty.services.program import shop_zone
from loyalty.vip.models import MemberTier, Tier, TierChange, TierPurchase
from loyalty.vip.services import (
    entry_reward_grant,
    member_tiers_evaluate,
    tags_sync_on_commit,
    vip_program_get,
)
from shopify_app.models import Order, Refund, Shop

# ``MemberTier.assigned_by`` of a tier held by a purchase (staff assignments name the staff).
BY_PURCHASE = "purchase"
# Financial statuses under which a bought membership stands (a partial refund may be another
# line's: the refund's lines say which).
MEMBERSHIP_PAID = frozenset({"paid", "partially_refunded"})


def _add_months(at: datetime, months: int, *, zone_name: str) -> datetime:
    """``at`` plus whole months on the shop's calendar (31 January + 1 month: 28/29 February)."""
    local = at.astimezone(shop_zone(zone_name))
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def membership_ends_at(*, tier: Tier, paid_at: datetime, terms: int) -> datetime:
    length = tier.membership_term * terms
    if tier.membership_term_unit == Tier.TermUnit.DAYS:
        return paid_at + timedelta(days=length)
    return _add_months(paid_at, length, zone_name=tier.shop.timezone)


@dataclass(frozen=True)
class _Line:
    order_id: int
    line_id: int
    variant_id: int
    tier: Tier
    paid_at: datetime
    ends_at: datetime | None  # None: revoked (refunded in full, order cancelled or unpaid)


def _lines(
    *, order: Order, refunds: list[Refund], variants: dict[int, Tier], known: dict
) -> list[_Line]:
    refunded: Counter[int] = Counter()
    for refund in refunds:
        for item in refund.refund_line_items or []:
            refunded[int(item.get("line_item_id") or 0)] += int(item.get("quantity") or 0)
    # A refunded order (a full refund, with or without its lines) keeps no membership.
    paid = order.financial_status in MEMBERSHIP_PAID and order.cancelled_at is None
    paid_at = order.processed_at or order.shopify_created_at or order.created_at
    found = []
    for item in order.line_items or []:
        line_id, variant = int(item.get("id") or 0), item.get("variant_id")
        purchase = known.get((order.shopify_id, line_id))
        tier = purchase.tier if purchase is not None else variants.get(variant or 0)
        if tier is None:
            continue
        terms = int(item.get("quantity") or 0) - refunded[line_id]
        stands = paid and terms > 0
        ends = membership_ends_at(tier=tier, paid_at=paid_at, terms=terms) if stands else None
        found.append(_Line(order.shopify_id, line_id, int(variant or 0), tier, paid_at, ends))
    return found


def memberships_sync(
    *, shop: Shop, order_shopify_ids: list[int], now: datetime | None = None
) -> list[int]:
    """Bring the membership purchases of these orders in line with the mirror and re-decide
    their members' tiers; returns the members touched.

    Writes ``TierPurchase`` rows (created only for a line that stands; a revoked one gets
    ``revoked_at``), then what ``member_membership_apply`` writes. The club's handlers call it
    only for a shop that sells or has sold a membership (their first query says so), and an
    order without a membership line costs two indexed queries more. Idempotent: a pure
    function of the mirrored order and refunds.
    """
    at = now or timezone.now()
    variants = {
        t.membership_variant_id: t
        for t in Tier.objects.select_related("shop", "entry_reward").filter(
            shop=shop, active=True, membership_variant_id__isnull=False
        )
    }
    known = {
        (p.order_shopify_id, p.line_item_id): p
        for p in TierPurchase.objects.select_related("tier__shop", "tier__entry_reward").filter(
            shop=shop, order_shopify_id__in=order_shopify_ids
        )
    }
    if not variants and not known:
        return []
    orders = list(
        Order.objects.select_related("customer").filter(shop=shop, shopify_id__in=order_shopify_ids)
    )
    if variants and not known:
        wanted = set(variants)
        orders = [o for o in orders if any(i.get("variant_id") in wanted for i in o.line_items)]
    refunds: dict[int, list[Refund]] = {o.shopify_id: [] for o in orders}
    for refund in Refund.objects.filter(shop=shop, order_shopify_id__in=list(refunds)):
        refunds[refund.order_shopify_id].append(refund)
    by_member: dict[int, list[_Line]] = {}
    for order in orders:
        lines = _lines(
            order=order, refunds=refunds[order.shopify_id], variants=variants, known=known
        )
        if not lines:
            continue
        member_id = next(
            (known[(line.order_id, line.line_id)].member_id for line in lines
             if (line.order_id, line.line_id) in known),
            None,
        )  # fmt: skip
        if member_id is None:
            if all(line.ends_at is None for line in lines) or order.customer is None:
                continue  # nothing granted, nothing to revoke
            member = member_for_earning(customer=order.customer, now=at)
            if member is None:
                continue
            member_id = member.pk
        by_member.setdefault(member_id, []).extend(lines)
    for member_id in sorted(by_member):  # member locks in id order, as every ledger writer
        with transaction.atomic():
            member_lock(member_id=member_id)
            _purchases_write(shop=shop, member_id=member_id, lines=by_member[member_id], at=at)
            member_membership_apply(shop=shop, member_id=member_id, now=at)
    return sorted(by_member)


def _purchases_write(*, shop: Shop, member_id: int, lines: list[_Line], at: datetime) -> None:
    for line in lines:
        purchase = TierPurchase.objects.filter(
            shop=shop, order_shopify_id=line.order_id, line_item_id=line.line_id
        ).first()
        if purchase is None:
            if line.ends_at is not None:
                TierPurchase.objects.create(
                    shop=shop,
                    member_id=member_id,
                    tier=line.tier,
                    order_shopify_id=line.order_id,
                    line_item_id=line.line_id,
                    variant_id=line.variant_id,
                    paid_at=line.paid_at,
                    ends_at=line.ends_at,
                )
            continue
        revoked_at = None if line.ends_at is not None else purchase.revoked_at or at
        ends_at = line.ends_at or purchase.ends_at
        if (revoked_at, ends_at) != (purchase.revoked_at, purchase.ends_at):
            purchase.revoked_at, purchase.ends_at = revoked_at, ends_at
            purchase.save(update_fields=["revoked_at", "ends_at", "updated_at"])


def member_membership_apply(*, shop: Shop, member_id: int, now: datetime | None = None) -> None:
    """Decide a member's tier from their running purchases (see the module docstring).

    Writes ``MemberTier`` (``assigned_by`` = ``purchase``), a ``TierChange`` (``purchased``, or
    ``refunded`` when a refund leaves a lower bought tier or none), the member's multiplier and
    the bought tier's entry reward (once per tier and term); enqueues the tags after commit.
    Idempotent: the same purchases and time change nothing.
    """
    at = now or timezone.now()
    with transaction.atomic():
        member = member_lock(member_id=member_id)
        state, _ = MemberTier.objects.select_related("tier").get_or_create(
            member=member, defaults={"shop_id": member.shop_id}
        )
        held = state.assigned_by == BY_PURCHASE and state.tier_id is not None
        running = list(
            TierPurchase.objects.select_related("tier__shop", "tier__entry_reward").filter(
                member=member, revoked_at__isnull=True, ends_at__gt=at, tier__active=True
            )
        )
        if running:
            best = max((p.tier for p in running), key=lambda t: t.rank)
            current = state.tier
            if not held and current is not None and current.active and current.rank > best.rank:
                return  # a higher tier, earned (or given by staff): the purchase waits below it
            mine = [p for p in running if p.tier_id == best.pk]
            kept_until = max(p.ends_at for p in mine)
            term_start = min(p.paid_at for p in mine)
            if (state.tier_id, state.kept_until, state.term_start) == (
                best.pk, kept_until, term_start,
            ) and held:  # fmt: skip
                return
            _hold(member=member, state=state, tier=best, term_start=term_start,
                  kept_until=kept_until, held=held, at=at)  # fmt: skip
            return
        if not held:
            return
        reason = ""  # the term ran out: the evaluation says what follows, as every night
        if state.kept_until is not None and state.kept_until > at:
            state.kept_until = at  # revoked within its term: it ends now
            state.save(update_fields=["kept_until", "updated_at"])
            reason = TierChange.Reason.REFUNDED
    member_tiers_evaluate(shop=shop, member_ids=[member_id], now=at, reason=reason)


def memberships_refresh(
    *, shop: Shop, now: datetime | None = None, member_ids: list[int] | None = None
) -> int:
    """Re-decide the members whose bought term ran out (so one who still holds another
    purchase moves straight to it) and those with a running purchase whose tier they do not
    hold and do not hold a higher tier than (an evaluation or staff moved them below it
    meanwhile), of the shop or of ``member_ids``. Before and after the nightly evaluation, and
    after an order's. Returns how many members were re-decided; a shop that never sold a
    membership costs two indexed queries."""
    at = now or timezone.now()
    lapsed = MemberTier.objects.filter(shop=shop, assigned_by=BY_PURCHASE, kept_until__lte=at)
    running = (
        TierPurchase.objects.filter(
            shop=shop, revoked_at__isnull=True, ends_at__gt=at, tier__active=True
        )
        .exclude(member__vip_tier__assigned_by=BY_PURCHASE, member__vip_tier__tier=F("tier"))
        .exclude(
            member__vip_tier__tier__active=True,
            member__vip_tier__tier__rank__gt=F("tier__rank"),
        )
    )
    if member_ids is not None:
        lapsed = lapsed.filter(member_id__in=member_ids)
        running = running.filter(member_id__in=member_ids)
    redecided = sorted(
        set(lapsed.values_list("member_id", flat=True))
        | set(running.values_list("member_id", flat=True))
    )
    for member_id in redecided:
        member_membership_apply(shop=shop, member_id=member_id, now=at)
    return len(redecided)


def _hold(
    *,
    member: Member,
    state: MemberTier,
    tier: Tier,
    term_start: datetime,
    kept_until: datetime,
    held: bool,
    at: datetime,
) -> None:
    from_tier = state.tier
    if state.tier_id != tier.pk:
        # Down to another bought tier within the first one's term: that one was refunded.
        running_out = state.kept_until is None or state.kept_until <= at
        lower = held and from_tier is not None and tier.rank < from_tier.rank and not running_out
        TierChange.objects.create(
            shop_id=member.shop_id,
            member=member,
            from_tier=from_tier,
            to_tier=tier,
            reason=TierChange.Reason.REFUNDED if lower else TierChange.Reason.PURCHASED,
            config_version=vip_program_get(shop_id=member.shop_id).version,
            created_at=at,
        )
    state.tier = tier
    state.term_start = term_start
    state.kept_until = kept_until
    state.below_since = None
    state.assigned_by = BY_PURCHASE
    state.save()
    if member.tier_multiplier != tier.multiplier:
        member.tier_multiplier = tier.multiplier
        member.save(update_fields=["tier_multiplier", "updated_at"])
    if state.tier_id != getattr(from_tier, "pk", None):
        entry_reward_grant(tier=tier, member_id=member.pk, term_start=term_start, at=at)
    tags_sync_on_commit([member.pk])
