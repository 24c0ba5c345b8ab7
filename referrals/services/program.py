"""The referral program's settings, and each member's referral code."""

from __future__ import annotations

import base64
import secrets
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from loyalty.exceptions import RewardUnavailable
from loyalty.models import Member
from loyalty.services.changelog import changelog_record, snapshot, version_check
from loyalty.services.grants import reward_grantable_get
from loyalty.services.invalidation import member_ids_changed, members_changed, shop_changed
from referrals.exceptions import InvalidProgramSettings, UnknownReferralCode
from referrals.models import ReferralCode, ReferralProgram

OfferKind = ReferralProgram.OfferKind
_EDITABLE = {
    "active",
    "referrer_points",
    "referrer_reward_id",
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


def _apply(*, program: ReferralProgram, changes: dict[str, Any]) -> None:
    """Set ``changes`` on the locked ``program`` and save; raises ``InvalidProgramSettings`` on
    an unknown field, an offer that cannot be made (a percentage outside 1-100, a fixed amount
    of zero) or a referrer reward that is not one of the shop's active catalog rewards with a
    value of its own (``referrer_reward_id``; None gives points again)."""
    if unknown := set(changes) - _EDITABLE:
        raise InvalidProgramSettings(extra={"unknown": sorted(unknown)})
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
    if "referrer_reward_id" in changes and program.referrer_reward_id is not None:
        try:
            reward_grantable_get(shop_id=program.shop_id, reward_id=program.referrer_reward_id)
        except RewardUnavailable as exc:
            raise InvalidProgramSettings(
                extra={"referrer_reward": "an active reward of the catalog with a fixed value"}
            ) from exc
    program.save()
    shop_changed(shop_id=program.shop_id)


def _locked(*, shop_id: int) -> ReferralProgram:
    return ReferralProgram.objects.select_for_update().get(
        pk=referral_program_get(shop_id=shop_id).pk
    )


def referral_program_update(*, shop_id: int, changes: dict[str, Any]) -> ReferralProgram:
    """Change the program's settings (code and tests; staff edits go through
    ``referral_program_edit``); raises ``InvalidProgramSettings``."""
    with transaction.atomic():
        program = _locked(shop_id=shop_id)
        _apply(program=program, changes=changes)
    return program


def referral_program_edit(
    *, shop_id: int, staff_user_id: str, version: str | None, changes: dict[str, Any]
) -> ReferralProgram:
    """A staff member's edit of the settings they read at ``version`` (the ETag): refused
    with ``VersionRequired`` / ``VersionConflict`` when it is missing or someone saved since
    (checked under the row lock), validated as ``referral_program_update`` does, and recorded
    in the program's change log with who made it."""
    with transaction.atomic():
        program = _locked(shop_id=shop_id)
        version_check(obj=program, expected=version)
        before = snapshot(program)
        _apply(program=program, changes=changes)
        changelog_record(
            shop_id=shop_id,
            staff_user_id=staff_user_id,
            action="referral_program.update",
            obj=program,
            before=before,
            after=snapshot(program),
        )
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
