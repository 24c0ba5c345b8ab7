"""referrals' part of the compliance webhooks.

A customer may be in referrals twice over: as a **friend** (the email they claimed with, the
IPs of the claim and of the order, the fraud evidence quoting them) and as a **referrer** (the
code, the signals their own orders left — IP, shipping address, phone — and the evidence on
their friends' referrals quoting their email). The export shows both; the friend emails of a
referrer's referrals are masked (they are other people's data).

Redaction erases the personal parts and keeps the rows, so the program's funnel and revenue
and the ledger entries the rewards point to do not move: a friend's referral loses its email
(replaced by a per-row placeholder that keeps the uniqueness), IPs and evidence values; a
referrer's signals are deleted and the evidence on their referrals keeps only the rule names.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from loyalty.selectors import member_get_by_customer
from referrals.models import Referral, ReferralCode, ReferrerSignal
from referrals.selectors import mask_email
from referrals.services.changes import referrer_changed
from shopify_app.models import Shop
from shopify_app.selectors import customer_emails, iso

COVERS = {
    "referrals.Referral": "exported for the friend (email, IPs, evidence) and, masked, for "
    "the referrer (with a granted reward's code, not personal); redaction replaces the "
    "friend email, clears the IPs and the evidence values and the staff note, keeping status "
    "and amounts",
    "referrals.ReferralCode": "exported for the referrer; a random code, nothing to erase",
    "referrals.ReferrerSignal": "exported for the referrer; redaction deletes them",
}
EXEMPT = {
    "referrals.ReferralProgram": "the merchant's settings, nothing about a customer",
}


def _as_friend(
    *, shop: Shop, customer_shopify_id: int | None, email: str | None, order_ids: list[int]
):
    match = Q(friend_email__in=customer_emails(shop=shop, customer_shopify_id=customer_shopify_id,
                                      email=email))  # fmt: skip
    if customer_shopify_id is not None:
        match |= Q(friend_customer_shopify_id=customer_shopify_id)
    if order_ids:
        match |= Q(order_shopify_id__in=order_ids)
    return Referral.objects.filter(match, shop=shop)


def customer_referrals_export(
    *, shop: Shop, customer_shopify_id: int | None, email: str | None, order_shopify_ids: list[int]
) -> dict[str, Any]:
    """The customer's referrals as a friend and as a referrer. Read-only."""
    friend = [
        {
            "friend_email": r.friend_email,
            "claim_ip": r.claim_ip,
            "order_ip": r.order_ip,
            "status": r.status,
            "discount_code": r.discount_code,
            "order_id": r.order_shopify_id,
            "fraud_rule": r.fraud_rule,
            "fraud_evidence": r.fraud_evidence,
            "claimed_at": iso(r.claimed_at),
        }
        for r in _as_friend(
            shop=shop, customer_shopify_id=customer_shopify_id, email=email,
            order_ids=order_shopify_ids,
        ).order_by("pk")
    ]  # fmt: skip
    member = member_get_by_customer(shop=shop, customer_shopify_id=customer_shopify_id)
    referrer: dict[str, Any] | None = None
    if member is not None:
        code = ReferralCode.objects.filter(member=member).first()
        referrer = {
            "code": code.code if code else None,
            "signals": [
                {"kind": s.kind, "value": s.value, "seen_at": iso(s.seen_at)}
                for s in ReferrerSignal.objects.filter(member=member).order_by("pk")
            ],
            "referrals": [
                {
                    "friend": mask_email(r.friend_email) if not r.redacted_at else "",
                    "status": r.status,
                    "reward_points": r.reward_points,
                    "reward_code": r.reward_code,
                    "reward_code_status": r.reward_code_status,
                    "fraud_rule": r.fraud_rule,
                    "claimed_at": iso(r.claimed_at),
                }
                for r in Referral.objects.filter(referrer=member).order_by("pk")
            ],
        }
    return {"as_friend": friend, "as_referrer": referrer}


def _rules_only(evidence: dict[str, Any]) -> dict[str, Any]:
    findings = evidence.get("findings") or []
    return {"findings": [{"rule": f.get("rule"), "decision": f.get("decision")} for f in findings]}


def customer_referrals_redact(
    *, shop: Shop, customer_shopify_id: int | None, email: str | None, order_shopify_ids: list[int]
) -> None:
    """Erase the customer's personal data in referrals (the module docstring lists it).
    Idempotent."""
    at = timezone.now()
    for referral in _as_friend(
        shop=shop, customer_shopify_id=customer_shopify_id, email=email,
        order_ids=order_shopify_ids,
    ).filter(redacted_at__isnull=True):  # fmt: skip
        referral.friend_email = f"redacted-{referral.pk}"
        referral.friend_email_canonical = ""
        referral.claim_ip = referral.order_ip = None
        referral.fraud_evidence = _rules_only(referral.fraud_evidence)
        referral.decision_note = ""
        referral.redacted_at = at
        referral.save()
        referrer_changed(referral)  # the referrer's list shows the friend's (masked) email
    member = member_get_by_customer(shop=shop, customer_shopify_id=customer_shopify_id)
    if member is None:
        return
    ReferrerSignal.objects.filter(member=member).delete()
    for referral in Referral.objects.filter(referrer=member):
        referral.fraud_evidence = _rules_only(referral.fraud_evidence)
        referral.save(update_fields=["fraud_evidence", "updated_at"])
