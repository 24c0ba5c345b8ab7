"""Referral rules that said no, rendered by the one DRF handler."""

from __future__ import annotations

from config.exceptions import AppError


class ReferralsClosed(AppError):
    """This shop's referral program is not running."""

    status = 409
    code = "referrals_closed"


class UnknownReferralCode(AppError):
    """This referral link is not valid."""

    status = 404
    code = "unknown_referral_code"


class InvalidFriendEmail(AppError):
    """Enter a valid email address."""

    code = "invalid_email"


class FriendNotNew(AppError):
    """This offer is for new customers: this email has already ordered from the store."""

    status = 409
    code = "friend_not_new"


class FriendOfferExpired(AppError):
    """Your friend offer has expired: this email already had its code, and it is no longer
    valid."""

    status = 409
    code = "offer_expired"


class SelfReferral(AppError):
    """You cannot use your own referral link."""

    status = 409
    code = "self_referral"


class ReferralNotReviewable(AppError):
    """Only a held or rejected referral with an order can be approved, and only a held or
    claimed one rejected."""

    status = 409
    code = "referral_not_reviewable"


class InvalidProgramSettings(AppError):
    """These referral settings are not valid."""

    code = "invalid_referral_settings"
