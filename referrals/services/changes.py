"""A referral changed: the referrer's launcher state shows it (their funnel and list), so its
cached ``GET state`` is invalidated after commit (``loyalty.services.invalidation``)."""

from __future__ import annotations

from loyalty.services.invalidation import member_ids_changed
from referrals.models import Referral


def referrer_changed(referral: Referral) -> None:
    member_ids_changed(shop_id=referral.shop_id, member_ids=[referral.referrer_id])
