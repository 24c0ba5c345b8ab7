"""The referral program's settings, and each member's referral code."""

from __future__ import annotations

import base64
import secrets
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from loyalty.models import Member
from loyalty.services.invalidation import member_ids_changed, members_changed, shop_changed
from referrals.exceptions import InvalidProgramSettings, UnknownReferralCode
from referrals.models import ReferralCode, ReferralProgram

OfferKind = ReferralProgram.OfferKind
_EDITABLE = {
    "active",
    "referrer_points",
    "offer_kind",
    "offer_value",
    "minimum_order",
    "code_expiry_days",
    "attribution_days",
    "hold_days",
    "fraud_checks",
    "velocity_per_referrer",
    "velocity_per_ip",
    "velocity_days",
}


def referral_program_get(*, shop_id: int) -> ReferralProgram:
    """The shop's program, created with the defaults (1000 points, 10% off) on first read."""
    program, _ = ReferralProgram.objects.get_or_create(shop_id=shop_id)
    return program


def referral_program_update(*, shop_id: int, changes: dict[str, Any]) -> ReferralProgram:
    """Change the program's settings; raises ``InvalidProgramSettings`` on an unknown field or
    an offer that cannot be made (a percentage outside 1-100, a fixed amount of zero)."""
    if unknown := set(changes) - _EDITABLE:
        raise InvalidProgramSettings(extra={"unknown": sorted(unknown)})
    with transaction.atomic():
        program = ReferralProgram.objects.select_for_update().get(
            pk=referral_program_get(shop_id=shop_id).pk
        )
        for field, value in changes.items():
            setattr(program, field, value)
        value = Decimal(program.offer_value)
        if program.offer_kind == OfferKind.PERCENT and not Decimal(1) <= value <= Decimal(100):
            raise InvalidProgramSettings(extra={"offer_value": "a percentage from 1 to 100"})
        if program.offer_kind == OfferKind.FIXED and value <= 0:
            raise InvalidProgramSettings(extra={"offer_value": "an amount above zero"})
        if program.offer_kind not in OfferKind.values:
            raise InvalidProgramSettings(extra={"offer_kind": OfferKind.values})
        if program.minimum_order is not None and Decimal(program.minimum_order) <= 0:
            program.minimum_order = None
        if program.referrer_points <= 0 or program.code_expiry_days <= 0:
            raise InvalidProgramSettings(extra={"referrer_points": "above zero"})
        program.save()
        shop_changed(shop_id=shop_id)
    return program


def _random_code() -> str:
    # 50 random bits as RFC 4648 base32 (A-Z, 2-7): 10 characters, unguessable.
    return base64.b32encode(secrets.token_bytes(10)).decode()[:10]


def referral_code_for_member(*, member: Member) -> ReferralCode:
    """The member's referral code, made on first use; stable afterwards."""
    existing = ReferralCode.objects.filter(member=member).first()
    if existing is not None:
        return existing
    for _ in range(5):
        try:
            with transaction.atomic():
                code = ReferralCode.objects.create(
                    shop_id=member.shop_id, member=member, code=_random_code()
                )
                members_changed(shop_id=member.shop_id, members=[member])
                return code
        except IntegrityError:
            # Another request made this member's code, or (1 in 2^50) the code is taken.
            existing = ReferralCode.objects.filter(member=member).first()
            if existing is not None:
                return existing
    raise RuntimeError("could not allocate a referral code")


def referral_code_resolve(*, shop_id: int, code: str) -> ReferralCode:
    """The code a link carries (case-insensitive); raises ``UnknownReferralCode``."""
    found = (
        ReferralCode.objects.select_related("member__customer")
        .filter(shop_id=shop_id, code=code.strip().upper())
        .first()
    )
    if found is None or not code.strip():
        raise UnknownReferralCode()
    return found


def referral_link_visit(*, shop_id: int, code: str) -> ReferralCode:
    """Count an opening of a referral link (the funnel's "invited")."""
    found = referral_code_resolve(shop_id=shop_id, code=code)
    ReferralCode.objects.filter(pk=found.pk).update(visits=F("visits") + 1)
    member_ids_changed(shop_id=shop_id, member_ids=[found.member_id])  # the referrer's funnel
    found.refresh_from_db(fields=["visits"])
    return found
