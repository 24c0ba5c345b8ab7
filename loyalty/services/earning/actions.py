"""Points for actions: signup, social follows, reviews and merchant-defined events, with
the rules' limits (once, once a year in the shop's timezone, n per period)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from loyalty.exceptions import MemberExcluded, RuleLimitReached, RuleUnavailable
from loyalty.models import EarningRule, Member, PointsTransaction
from loyalty.services.earning.multipliers import earning_multiplier, floor_points
from loyalty.services.ledger import entry_write, member_lock
from loyalty.services.program import lot_expires_at, program_settings_get, shop_zone

Kind = PointsTransaction.Kind
Status = PointsTransaction.Status


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
    points = floor_points(rule.points * earning_multiplier(member=locked, kind=Kind.ACTION))
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
