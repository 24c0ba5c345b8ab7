"""Business rules of the points program that said no, rendered by the one DRF handler."""

from __future__ import annotations

from config.exceptions import AppError


class InvalidPointsAmount(AppError):
    """The number of points must be a non-zero whole number in range."""

    code = "invalid_points_amount"


class InsufficientPoints(AppError):
    """The member does not have enough points."""

    status = 409
    code = "insufficient_points"


class MemberExcluded(AppError):
    """This customer is excluded from the loyalty program."""

    status = 403
    code = "member_excluded"


class NotEnrolled(AppError):
    """This customer has not joined the loyalty program."""

    status = 404
    code = "not_enrolled"


class RewardUnavailable(AppError):
    """This reward is not available."""

    status = 409
    code = "reward_unavailable"


class InvalidRewardPoints(AppError):
    """The points chosen for this reward are outside its range or increments."""

    code = "invalid_reward_points"


class RuleUnavailable(AppError):
    """No active earning rule matches this action."""

    status = 404
    code = "rule_unavailable"


class RuleLimitReached(AppError):
    """The member already earned this action's points as often as the rule allows."""

    status = 409
    code = "rule_limit_reached"


class BirthdayAlreadySet(AppError):
    """The birthday can only be set once."""

    status = 409
    code = "birthday_already_set"


class InvalidBirthday(AppError):
    """The birthday must be a real date (YYYY-MM-DD), not in the future."""

    code = "invalid_birthday"


class InvalidImport(AppError):
    """The import file could not be read."""

    code = "invalid_import"


class ImportNotConfirmable(AppError):
    """This check was already confirmed, or is not finished: upload the file again."""

    status = 409
    code = "import_not_confirmable"


class VersionConflict(AppError):
    """Someone else changed this since you opened it. Reload to see their changes, then make
    yours again."""

    status = 409
    code = "version_conflict"


class VersionRequired(AppError):
    """Send the version you edited (the ``If-Match`` header, from the ``ETag`` you read), so a
    concurrent change is never silently overwritten."""

    status = 428
    code = "version_required"


class IdempotencyKeyReused(AppError):
    """This Idempotency-Key was already used for a different request."""

    status = 409
    code = "idempotency_key_reused"


class TierConfigInvalid(AppError):
    """The VIP tier configuration is not valid."""

    code = "tier_config_invalid"


class TierUnavailable(AppError):
    """This VIP tier is not available."""

    status = 404
    code = "tier_unavailable"


class TierNotInvitationOnly(AppError):
    """Only an invitation-only tier can be assigned by staff; the others follow the member's
    own points, spending or orders."""

    code = "tier_not_invitation_only"
