"""The friend offer: a friend's email in, a single-use discount code out.

``referral_claim`` binds the friend's normalised email to the referrer's code (one referral per
email and shop, so a repeated claim returns the same code) and enqueues the code's creation on
commit. ``referral_offer_issue`` (a task, outside any transaction) creates it through the Admin
API: ``context: {all: ALL}`` (the friend has no customer id yet), ``usageLimit: 1``,
``appliesOncePerCustomer`` and an ``endsAt``. The code string is chosen at claim time, so a
retry after a lost response gets ``TAKEN`` and resolves to the code already made.
"""

from __future__ import annotations

import base64
import logging
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from loyalty.services.discount_codes import discount_code_create
from referrals.exceptions import (
    FriendNotNew,
    FriendOfferExpired,
    InvalidFriendEmail,
    ReferralsClosed,
)
from referrals.models import Referral, ReferralProgram
from referrals.normalise import email_canonical, email_normalise, ip_normalise
from referrals.services.changes import referrer_changed
from referrals.services.program import referral_code_resolve, referral_program_get
from shopify_app.exceptions import ShopifyError, ShopifyRetriableError
from shopify_app.graphql import discounts as documents
from shopify_app.models import Customer, Order, Shop

logger = logging.getLogger(__name__)

Status = Referral.Status
CodeStatus = Referral.CodeStatus
OfferKind = ReferralProgram.OfferKind
CODE_PREFIX = "FRIEND"
# A code still pending after this has lost its task; the sweeper enqueues it again.
SWEEP_AFTER = timedelta(minutes=5)


def _discount_code() -> str:
    return f"{CODE_PREFIX}-{base64.b32encode(secrets.token_bytes(10)).decode()[:12]}"


def friend_has_ordered(*, shop_id: int, email: str) -> bool:
    """Whether the store knows orders by this (normalised) email (the customer mirror's
    count, or a mirrored order), so the new-customer offer is refused.

    ``Lower`` rather than ``__iexact`` (which PostgreSQL runs as ``UPPER(email) = UPPER(…)``):
    the customer lookup then uses the ``customer_shop_email_lower`` index instead of reading
    every customer of the shop on each claim; the order mirror's ``order_shop_email_lower``
    serves the second (bench/referrals_claims.py measures a claim)."""
    email = email_normalise(email)
    if (
        Customer.objects.annotate(email_lower=Lower("email"))
        .filter(shop_id=shop_id, email_lower=email, number_of_orders__gt=0)
        .exists()
    ):
        return True
    return (
        Order.objects.annotate(email_lower=Lower("email"))
        .filter(shop_id=shop_id, email_lower=email)
        .exists()
    )


def referral_claim(
    *,
    shop: Shop,
    code: str,
    email: str,
    ip: str | None = None,
    customer_shopify_id: int | None = None,
    now: datetime | None = None,
) -> Referral:
    """A friend claims the offer of the referrer whose ``code`` the link carried.

    Returns the friend's referral, the one already made when this email claimed before
    (whichever link it came through). A claim that is plainly a self-referral (the referrer's
    own customer, or the referrer's email behind an alias) is stored as ``rejected`` with its
    evidence and issues no code. Raises ``ReferralsClosed``, ``UnknownReferralCode``,
    ``InvalidFriendEmail``, ``FriendNotNew`` and ``FriendOfferExpired`` (a repeat claim
    whose code has expired unused).
    """
    from referrals.services.fraud import claim_self_referral
    from referrals.tasks import referral_offer_issue as issue_task

    at = now or timezone.now()
    program = referral_program_get(shop_id=shop.pk)
    if not program.active:
        raise ReferralsClosed()
    normalised = email_normalise(email or "")
    try:
        validate_email(normalised)
    except ValidationError as exc:
        raise InvalidFriendEmail() from exc
    referral_code = referral_code_resolve(shop_id=shop.pk, code=code)
    existing = Referral.objects.filter(shop=shop, friend_email=normalised).first()
    if existing is not None:
        # One offer per email: a repeat shows its code, unless that code has run out (a
        # second code would be a second offer for the same friend).
        expires = existing.code_expires_at
        if expires is not None and expires <= at and existing.status == Status.CLAIMED:
            raise FriendOfferExpired()
        return existing
    if friend_has_ordered(shop_id=shop.pk, email=normalised):
        raise FriendNotNew()
    fields: dict[str, Any] = {
        "shop": shop,
        "referrer_id": referral_code.member_id,
        "referral_code": referral_code,
        "friend_email": normalised,
        "friend_email_canonical": email_canonical(normalised),
        "claim_ip": ip_normalise(ip) or None,
        "claimed_at": at,
        "discount_code": _discount_code(),
        "code_expires_at": at + timedelta(days=program.code_expiry_days),
    }
    rejection = (
        claim_self_referral(
            referral_code=referral_code,
            canonical=fields["friend_email_canonical"],
            customer_shopify_id=customer_shopify_id,
        )
        if program.fraud_checks
        else None
    )
    if rejection is not None:
        fields |= {
            "status": Status.REJECTED,
            "code_status": CodeStatus.FAILED,
            "fraud_rule": rejection.rule,
            "fraud_evidence": rejection.evidence,
            "decided_at": at,
        }
    try:
        with transaction.atomic():
            referral = Referral.objects.create(**fields)
            referrer_changed(referral)
            if rejection is None:
                transaction.on_commit(lambda: issue_task.delay(referral_id=referral.pk))
    except IntegrityError:
        # The same email claimed concurrently: the first claim's referral is the friend's.
        return Referral.objects.get(shop=shop, friend_email=normalised)
    return referral


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def offer_discount_input(*, referral: Referral, program: ReferralProgram) -> tuple[str, str, dict]:
    """(document, field, variables) that create the friend's code."""
    common: dict[str, Any] = {
        "title": f"Referral offer ({referral.discount_code})",
        "code": referral.discount_code,
        "startsAt": referral.claimed_at.isoformat(),
        "endsAt": referral.code_expires_at.isoformat() if referral.code_expires_at else None,
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        # The friend is usually not a customer yet, so the code cannot name one.
        "context": {"all": "ALL"},
        "combinesWith": {
            "orderDiscounts": False,
            "productDiscounts": False,
            "shippingDiscounts": program.offer_kind != OfferKind.FREE_SHIPPING,
        },
    }
    if program.minimum_order:
        common["minimumRequirement"] = {
            "subtotal": {"greaterThanOrEqualToSubtotal": _money(program.minimum_order)}
        }
    if program.offer_kind == OfferKind.FREE_SHIPPING:
        return (
            documents.DISCOUNT_CODE_FREE_SHIPPING_CREATE,
            "discountCodeFreeShippingCreate",
            {"freeShippingCodeDiscount": {**common, "destination": {"all": True}}},
        )
    if program.offer_kind == OfferKind.PERCENT:
        # Shopify takes a fraction 0-1, not a percentage.
        value: dict[str, Any] = {"percentage": float(Decimal(program.offer_value) / 100)}
    else:
        value = {
            "discountAmount": {"amount": _money(program.offer_value), "appliesOnEachItem": False}
        }
    common["customerGets"] = {"items": {"all": True}, "value": value}
    return (
        documents.DISCOUNT_CODE_BASIC_CREATE,
        "discountCodeBasicCreate",
        {"basicCodeDiscount": common},
    )


def referral_offer_issue(*, referral_id: int) -> Referral:
    """Create the friend's code in Shopify (never inside a transaction).

    ``issued`` with the node id, or ``failed`` with the error on a permanent failure (the
    referral stays claimed: staff can see why the friend got no code). Raises
    ``ShopifyRetriableError`` for the task to retry. Idempotent: only a pending code is sent.
    """
    referral = Referral.objects.select_related("shop").get(pk=referral_id)
    if referral.code_status != CodeStatus.PENDING:
        return referral
    program = referral_program_get(shop_id=referral.shop_id)
    document, field, variables = offer_discount_input(referral=referral, program=program)
    try:
        node_id = discount_code_create(
            shop=referral.shop, document=document, field=field, variables=variables,
            code=referral.discount_code,
        )  # fmt: skip
    except ShopifyRetriableError:
        raise
    except ShopifyError as exc:
        Referral.objects.filter(pk=referral.pk, code_status=CodeStatus.PENDING).update(
            code_status=CodeStatus.FAILED, code_error=str(exc)[:2000]
        )
        referrer_changed(referral)
        referral.refresh_from_db()
        return referral
    Referral.objects.filter(pk=referral.pk, code_status=CodeStatus.PENDING).update(
        code_status=CodeStatus.ISSUED, discount_node_id=node_id, code_error=""
    )
    referrer_changed(referral)
    referral.refresh_from_db()
    return referral


def referral_offer_fail(*, referral_id: int, error: str) -> None:
    """The task gave up retrying: record why the friend got no code."""
    failing = Referral.objects.filter(pk=referral_id, code_status=CodeStatus.PENDING)
    for referral in failing.only("pk", "shop_id", "referrer_id"):
        referrer_changed(referral)
    failing.update(code_status=CodeStatus.FAILED, code_error=error[:2000])


def referral_offer_sweep(*, now: datetime | None = None) -> int:
    """Re-enqueue the creation of friend codes pending longer than ``SWEEP_AFTER`` (a lost
    broker message, a killed worker). Returns how many were enqueued."""
    from referrals.tasks import referral_offer_issue as issue_task

    cutoff = (now or timezone.now()) - SWEEP_AFTER
    ids = list(
        Referral.objects.filter(code_status=CodeStatus.PENDING, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        issue_task.delay(referral_id=pk)
    return len(ids)
