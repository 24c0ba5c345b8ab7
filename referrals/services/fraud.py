"""Fraud checks on a referral, each finding naming its rule and what it saw.

A finding either rejects the referral (it is plainly the referrer, or the friend is not new)
or holds it for a staff decision (velocity: many referrals in a short time is suspicious, not
proof). Every finding is stored on the referral (``fraud_evidence``), so the admin can show
why, and the first rejecting (else holding) one is its ``fraud_rule``.

Self-referral compares the friend's order with the referrer: the same customer; the same
mailbox after dropping ``+tag`` and Gmail dots; the same phone; the same normalised shipping
address or ``browser_ip`` as one of the referrer's own paid orders (``ReferrerSignal``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower

from referrals.models import Referral, ReferralCode, ReferralProgram, ReferrerSignal
from referrals.normalise import address_normalise, email_canonical, ip_normalise, phone_normalise
from shopify_app.models import Order

REJECT = "reject"
HOLD = "hold"
Signal = ReferrerSignal.Kind


@dataclass(frozen=True)
class Finding:
    rule: str
    decision: str  # REJECT or HOLD
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "decision": self.decision, "evidence": self.evidence}


def claim_self_referral(
    *, referral_code: ReferralCode, canonical: str, customer_shopify_id: int | None
) -> Finding | None:
    """At claim time: the referrer's own customer, or the referrer's mailbox behind an alias."""
    customer = referral_code.member.customer
    if customer_shopify_id is not None and customer_shopify_id == customer.shopify_id:
        return Finding("self_customer", REJECT, {"customer_id": customer_shopify_id})
    referrer_canonical = email_canonical(customer.email or "")
    if customer.email and canonical == referrer_canonical:
        return Finding(
            "self_email", REJECT, {"friend_email": canonical, "referrer_email": customer.email}
        )
    return None


def order_facts(*, order: Order, payload: dict[str, Any]) -> dict[str, str]:
    """What the friend's order shows, normalised (from the mirror, and from the delivery's
    body for what the mirror does not keep: the browser IP, shipping address, phones)."""
    shipping = payload.get("shipping_address") or {}
    customer_phone = order.customer.phone if order.customer else None
    phones = [payload.get("phone"), shipping.get("phone"), customer_phone]
    return {
        "email": email_canonical(order.email or (order.customer.email if order.customer else "")),
        "ip": ip_normalise(payload.get("browser_ip")),
        "address": address_normalise(shipping),
        "phone": next((p for p in map(phone_normalise, phones) if p), ""),
    }


def _signals(*, member_id: int) -> dict[str, set[str]]:
    """The referrer's remembered signals by kind, in one query."""
    found: dict[str, set[str]] = {kind: set() for kind in Signal.values}
    rows = ReferrerSignal.objects.filter(member_id=member_id).values_list("kind", "value")
    for kind, value in rows:
        found[kind].add(value)
    return found


def _self_findings(*, referral: Referral, order: Order, facts: dict[str, str]) -> list[Finding]:
    referrer = referral.referrer
    customer = referrer.customer
    found: list[Finding] = []
    if order.customer_shopify_id and order.customer_shopify_id == customer.shopify_id:
        found.append(Finding("self_customer", REJECT, {"customer_id": customer.shopify_id}))
    referrer_emails = {email_canonical(customer.email or "")} - {""}
    if facts["email"] and facts["email"] in referrer_emails:
        found.append(
            Finding(
                "self_email",
                REJECT,
                {"order_email": order.email, "referrer_email": customer.email},
            )
        )
    signals = _signals(member_id=referrer.pk)
    phones = signals[Signal.PHONE] | {phone_normalise(customer.phone)}
    if facts["phone"] and facts["phone"] in phones:
        found.append(Finding("self_phone", REJECT, {"phone": facts["phone"]}))
    if facts["address"] and facts["address"] in signals[Signal.ADDRESS]:
        found.append(Finding("self_address", REJECT, {"address": facts["address"]}))
    if facts["ip"] and facts["ip"] in signals[Signal.IP]:
        found.append(Finding("self_ip", REJECT, {"browser_ip": facts["ip"]}))
    return found


def _order_at(order: Order) -> datetime | None:
    return order.processed_at or order.shopify_created_at


def _friend_not_new(*, order: Order) -> Finding | None:
    """Orders by the same customer or email before this one."""
    # lower(email), not email__iexact (UPPER): the order mirror's index is on lower(email).
    who = Q(email_lower=order.email.lower()) if order.email else Q(pk__in=[])
    if order.customer_shopify_id:
        who |= Q(customer_shopify_id=order.customer_shopify_id)
    earlier = (
        Order.objects.annotate(email_lower=Lower("email"))
        .filter(who, shop_id=order.shop_id)
        .exclude(shopify_id=order.shopify_id)
    )
    if at := _order_at(order):
        earlier = earlier.filter(Q(processed_at__lt=at) | Q(processed_at__isnull=True))
    ids = list(earlier.order_by("processed_at").values_list("shopify_id", flat=True)[:5])
    if not ids:
        return None
    return Finding("friend_not_new", REJECT, {"earlier_order_ids": ids})


def _velocity(
    *, referral: Referral, program: ReferralProgram, ip: str, at: datetime
) -> list[Finding]:
    since = at - timedelta(days=program.velocity_days)
    recent = Referral.objects.filter(shop_id=referral.shop_id, claimed_at__gte=since).exclude(
        pk=referral.pk
    )
    found: list[Finding] = []
    by_referrer = recent.filter(referrer_id=referral.referrer_id).count()
    if program.velocity_per_referrer and by_referrer >= program.velocity_per_referrer:
        found.append(
            Finding(
                "velocity_referrer",
                HOLD,
                {"referrals": by_referrer + 1, "days": program.velocity_days},
            )
        )
    ips = {ip, str(referral.claim_ip or "")} - {""}
    if ips and program.velocity_per_ip:
        by_ip = recent.filter(Q(claim_ip__in=ips) | Q(order_ip__in=ips)).count()
        if by_ip >= program.velocity_per_ip:
            found.append(
                Finding(
                    "velocity_ip",
                    HOLD,
                    {"ips": sorted(ips), "referrals": by_ip + 1, "days": program.velocity_days},
                )
            )
    return found


def order_findings(
    *,
    referral: Referral,
    program: ReferralProgram,
    order: Order,
    payload: dict[str, Any],
    at: datetime,
) -> list[Finding]:
    """Every rule the friend's order trips, rejecting ones first."""
    facts = order_facts(order=order, payload=payload)
    found = _self_findings(referral=referral, order=order, facts=facts)
    if not_new := _friend_not_new(order=order):
        found.append(not_new)
    found += _velocity(referral=referral, program=program, ip=facts["ip"], at=at)
    return sorted(found, key=lambda f: f.decision != REJECT)


def referrer_signals_record(*, shop_id: int, order: Order, payload: dict[str, Any]) -> int:
    """Remember what a referrer's own paid order showed (IP, address, phone) for the
    self-referral checks. Only referrers (members with a code) are recorded; a repeat only
    refreshes ``seen_at``. Returns how many signals the order carried."""
    if not order.customer_shopify_id:
        return 0
    code = (
        ReferralCode.objects.filter(
            shop_id=shop_id, member__customer__shopify_id=order.customer_shopify_id
        )
        .values_list("member_id", flat=True)
        .first()
    )
    if code is None:
        return 0
    facts = order_facts(order=order, payload=payload)
    rows = [
        ReferrerSignal(shop_id=shop_id, member_id=code, kind=kind, value=facts[kind])
        for kind in (Signal.IP, Signal.ADDRESS, Signal.PHONE)
        if facts[kind]
    ]
    created = ReferrerSignal.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["member", "kind", "value"],
        update_fields=["seen_at"],
    )  # fmt: skip
    return len(created)
