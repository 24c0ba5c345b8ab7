"""The points program: members, the ledger, lots, earning rules, rewards and redemptions.

Design:

- ``Member`` is one customer's loyalty account in one shop. ``balance`` (spendable) and
  ``pending`` (held, e.g. during a return window) are caches of the ledger, changed only in the
  same transaction as the entry that explains them, with the member row locked first
  (``select_for_update``). A database CHECK keeps both non-negative.
- ``PointsTransaction`` is the append-only ledger: a signed integer amount, never zero, with an
  idempotency key unique per shop that comes from the upstream fact (``order:<id>:earn``,
  ``refund:<id>:reverse``, ``redemption:<uuid>``). Entries are never edited: corrections are new
  entries that point at what they reverse. The only change a row may see is its status moving
  ``pending → posted`` or ``pending → void``; a PostgreSQL trigger (migration 0002) refuses any
  other UPDATE.
- ``PointsLot``: every posted credit opens a lot (its amount, what is left, when it was earned,
  when it expires). Debits consume lots — oldest first, except that a reversal takes back its
  own order's lot first — and each consumption is a ``LotAllocation`` row, so a member's
  history shows which lots a redemption or an expiry used. Invariants (``loyalty_audit``):
  balance = sum of posted entries = sum of lot remainders; pending = sum of pending entries.
- ``OrderPoints`` is the per-order account of an earn: the eligible amount and the points
  actually awarded, so refunds reverse proportionally at the rate that was used, never the
  current one. ``PointsReversal`` records each refund or cancellation once, including the
  shortfall when the member had already spent the points (a reversal never drives a balance
  below zero; the ledger cannot hold a zero entry, so this row is what makes a fully-short
  reversal idempotent).
- ``ProgramSettings`` (one per shop), ``EarningRule`` (actions), ``Reward`` (the catalog),
  ``Redemption`` (points spent → a single-use Shopify discount code), ``Notification`` (an
  outbox that later delivery code drains) and ``ImportBatch`` (CSV migrations).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import ExtractDay, ExtractMonth

from shopify_app.models import Customer, Shop

# A launcher colour: ``#rrggbb`` only, so it can go into a style without escaping.
HEX_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #5c6ac4.")


class ProgramSettings(models.Model):
    class Position(models.TextChoices):
        BOTTOM_RIGHT = "bottom-right"
        BOTTOM_LEFT = "bottom-left"

    class Icon(models.TextChoices):
        GIFT = "gift"
        STAR = "star"
        HEART = "heart"
        CROWN = "crown"

    class Enrolment(models.TextChoices):
        AUTOMATIC = "automatic"
        OPT_IN = "opt_in"

    class EnrolmentScope(models.TextChoices):
        # Who an automatic program enrols. Guests (checkouts without an account) never get the
        # signup rule either way: they did not sign up.
        ACCOUNTS_ONLY = "accounts_only"  # customers with an account (Shopify state "enabled")
        ALL_CUSTOMERS = "all_customers"  # also guests, who then earn on their orders

    class ExpiryMode(models.TextChoices):
        NONE = "none"
        LOT = "lot"  # each lot expires N months after it was earned
        INACTIVITY = "inactivity"  # the whole balance after N months without activity

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="loyalty_settings")
    enabled = models.BooleanField(default=True)
    # Points per 1 unit of the shop's currency (may be fractional: 0.5 point per dollar).
    points_per_unit = models.DecimalField(max_digits=10, decimal_places=4, default=Decimal(1))
    # Orders earn on the subtotal after discounts (Shopify's subtotal_price), optionally plus
    # shipping and tax, less gift cards when excluded.
    include_shipping = models.BooleanField(default=False)
    include_tax = models.BooleanField(default=False)
    exclude_gift_cards = models.BooleanField(default=True)
    minimum_order = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    hold_days = models.PositiveIntegerField(default=0)
    # The point's cash value: ``point_value_points`` points are worth ``point_value_amount``.
    point_value_points = models.PositiveIntegerField(default=100)
    point_value_amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal(1))
    enrolment = models.CharField(max_length=16, choices=Enrolment.choices, default="automatic")
    enrolment_scope = models.CharField(
        max_length=16, choices=EnrolmentScope.choices, default="accounts_only"
    )
    exclusion_tag = models.CharField(max_length=255, blank=True)
    expiry_mode = models.CharField(max_length=16, choices=ExpiryMode.choices, default="none")
    expiry_months = models.PositiveIntegerField(default=12)
    code_prefix = models.CharField(max_length=16, default="RWD")
    # The storefront launcher (GET state's ``launcher``); the admin edits these. An empty
    # program name shows the shop's name. ``launcher_texts`` overrides the widget's own strings
    # by key ({"guest_title": "…"}); values are plain text, never HTML.
    program_name = models.CharField(max_length=64, blank=True)
    launcher_label = models.CharField(max_length=32, default="Rewards")
    launcher_position = models.CharField(
        max_length=16, choices=Position.choices, default="bottom-right"
    )
    launcher_button_color = models.CharField(
        max_length=7, default="#5c6ac4", validators=[HEX_COLOUR]
    )
    launcher_text_color = models.CharField(max_length=7, default="#ffffff", validators=[HEX_COLOUR])
    launcher_icon = models.CharField(max_length=16, choices=Icon.choices, default="gift")
    launcher_texts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "program settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(points_per_unit__gte=0), name="settings_points_per_unit_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(point_value_points__gt=0), name="settings_point_value_gt_0"
            ),
            models.CheckConstraint(condition=Q(expiry_months__gt=0), name="settings_expiry_gt_0"),
        ]

    def __str__(self) -> str:
        return f"settings for {self.shop_id}"


class Member(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active"
        EXCLUDED = "excluded"  # earns nothing and cannot redeem (by tag or by staff)

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="memberships")
    balance = models.IntegerField(default=0)
    pending = models.IntegerField(default=0)
    lifetime_earned = models.IntegerField(default=0)
    state = models.CharField(max_length=16, choices=State.choices, default="active")
    excluded_reason = models.CharField(max_length=255, blank=True)
    birthday = models.DateField(null=True, blank=True)  # the year part is not used
    joined_at = models.DateTimeField()
    last_activity_at = models.DateTimeField()
    # Carried over from another loyalty app by an import, for the VIP and referral issues.
    imported_tier = models.CharField(max_length=64, blank=True)
    imported_referral_code = models.CharField(max_length=64, blank=True)
    # Enrolled without an account (a guest checkout under "all customers"): the signup rule is
    # paid once the customer creates one, which only a customers/update tells us.
    signup_awaited = models.BooleanField(default=False)
    # The VIP tier's earning multiplier, cached on the row every earn already locks and reads
    # (``vip.services.tier_multiplier``): a batch of orders earns without a query per member.
    # Written only by the VIP evaluation and staff assignment, under the member lock. A database
    # default too, for the set-based INSERT … SELECT of enrolment.
    tier_multiplier = models.DecimalField(
        max_digits=6, decimal_places=3, default=Decimal(1), db_default=Decimal(1)
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "customer"], name="member_shop_customer"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="member_balance_gte_0"),
            models.CheckConstraint(condition=Q(pending__gte=0), name="member_pending_gte_0"),
        ]
        indexes = [
            # Inactivity expiry scans a shop's members by last activity.
            models.Index(fields=["shop", "last_activity_at"], name="member_shop_activity"),
            # The admin's customers list sorted by balance (``selectors.member_list``; the id
            # breaks ties as the cursor pagination orders). The search's trigram indexes on the
            # customers are in migration 0019 (raw SQL: PostgreSQL only).
            models.Index(fields=["shop", "balance", "id"], name="member_shop_balance"),
            # The hourly birthday job: a shop's members born on a month and day
            # (``birthdays.birthday_members``; the expressions match its ``birthday__month`` and
            # ``birthday__day`` lookups, so the planner can use the index).
            models.Index(
                F("shop"),
                ExtractMonth("birthday"),
                ExtractDay("birthday"),
                condition=Q(birthday__isnull=False),
                name="member_shop_birthday",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}:member:{self.pk}"


class EarningRule(models.Model):
    class Kind(models.TextChoices):
        SIGNUP = "signup"
        BIRTHDAY = "birthday"
        SOCIAL_FOLLOW = "social_follow"
        PRODUCT_REVIEW = "product_review"
        CUSTOM = "custom"

    class Network(models.TextChoices):
        NONE = "", "—"
        INSTAGRAM = "instagram"
        FACEBOOK = "facebook"
        TIKTOK = "tiktok"

    class Limit(models.TextChoices):
        ONCE = "once"
        ONCE_PER_YEAR = "once_per_year"
        PER_PERIOD = "per_period"  # at most limit_count within limit_period_days
        UNLIMITED = "unlimited"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="earning_rules")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    network = models.CharField(max_length=16, choices=Network.choices, blank=True, default="")
    handle = models.SlugField(max_length=64, blank=True)  # names a custom action in the API
    name = models.CharField(max_length=255)
    points = models.PositiveIntegerField()
    limit = models.CharField(max_length=16, choices=Limit.choices, default="once")
    limit_count = models.PositiveIntegerField(default=1)
    limit_period_days = models.PositiveIntegerField(default=365)
    url = models.URLField(blank=True)  # the merchant's social page
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "kind", "network", "handle"], name="earning_rule_shop_identity"
            ),
            models.CheckConstraint(condition=Q(points__gt=0), name="earning_rule_points_gt_0"),
            models.CheckConstraint(
                condition=Q(limit_count__gt=0) & Q(limit_period_days__gt=0),
                name="earning_rule_limits_gt_0",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """An outbox of messages for members (e.g. points about to expire); delivery comes later."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    dedupe_key = models.CharField(max_length=255)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Set by the run that is sending it, committed before the sender is called, so no row lock
    # is held while a sender talks to the outside; a claim older than the lease is free again.
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "dedupe_key"], name="notification_shop_key"),
        ]
        indexes = [
            # The future sender: unsent notifications, oldest first.
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="notification_unsent"
            ),
        ]

    def __str__(self) -> str:
        return self.dedupe_key


class ImportBatch(models.Model):
    """One CSV import (or its dry run). Created ``queued`` with the file; a task runs it in
    chunks, counting ``rows_done`` as each chunk commits (what the admin polls), and ends it
    ``done`` (the file emptied, the per-row ``report`` written) or ``failed`` (``error``)."""

    class Format(models.TextChoices):
        GENERIC = "generic"
        SMILE = "smile"
        LOYALTYLION = "loyaltylion"

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=16, choices=Format.choices)
    content_sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=255, blank=True)
    dry_run = models.BooleanField()
    created_by = models.CharField(max_length=255, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_changed = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    # [{"line", "email", "status", "current", "target", "delta", "error"}] per row.
    report = models.JSONField(default=list)
    status = models.CharField(max_length=8, choices=Status.choices, default="queued")
    rows_done = models.PositiveIntegerField(default=0)  # committed so far, of rows_total
    # The file as uploaded, until the run is done (the task reads it from here).
    content = models.TextField(blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"import {self.pk} ({self.format})"


class ChangeLog(models.Model):
    """Who changed what in the program, from the admin: one row per write, by the service that
    made it, with the object before and after (``before`` is empty for a creation). Shown to
    merchants as the program's history; never edited, but for customers/redact blanking the
    staff free text about a member (``services.changelog.member_changes_redact``)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    # The Shopify staff member (the session token's ``sub``); blank for the system.
    staff_user_id = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=64)  # "program_settings.update", "reward.create", …
    object_type = models.CharField(max_length=32)
    object_id = models.CharField(max_length=64, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # The admin's history, newest first (cursor-paginated on created_at).
            models.Index(fields=["shop", "-created_at"], name="changelog_shop_created"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id} by {self.staff_user_id}"


class OnboardingProgress(models.Model):
    """Where a shop's onboarding stands, so every step resumes after the merchant leaves: each
    step's time is set once, by the service that completes it (the sync and launcher steps are
    read live, from the sync runs and the theme, so nothing here duplicates them)."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="onboarding")
    template_applied_at = models.DateTimeField(null=True, blank=True)
    enrolled_at = models.DateTimeField(null=True, blank=True)
    enrolled_members = models.PositiveIntegerField(default=0)
    retroactive_days = models.PositiveIntegerField(null=True, blank=True)
    retroactive_points = models.PositiveIntegerField(default=0)
    launched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"onboarding {self.shop_id}"


# The ledger, the catalog and the VIP club's models live in their own modules but belong to
# this app (one migration chain).
from loyalty.models.catalog import Redemption, Reward  # noqa: E402
from loyalty.models.ledger import (  # noqa: E402
    LotAllocation,
    OrderPoints,
    PointsLot,
    PointsReversal,
    PointsTransaction,
)
from loyalty.vip.models import (  # noqa: E402
    MemberTier,
    Tier,
    TierChange,
    TierConfigVersion,
    TierPurchase,
    VipProgram,
)

__all__ = [
    "ChangeLog",
    "EarningRule",
    "ImportBatch",
    "LotAllocation",
    "Member",
    "MemberTier",
    "Notification",
    "OnboardingProgress",
    "OrderPoints",
    "PointsLot",
    "PointsReversal",
    "PointsTransaction",
    "ProgramSettings",
    "Redemption",
    "Reward",
    "Tier",
    "TierChange",
    "TierConfigVersion",
    "TierPurchase",
    "VipProgram",
]
