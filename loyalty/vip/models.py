"""VIP club models (registered in the ``loyalty`` app: ``loyalty.models`` imports them).

Design:

- ``VipProgram`` (one per shop): whether the club runs, the downgrade policy (never, at the end
  of the tier's term, or after a grace period once a member stops qualifying) and the version of
  the tier configuration in force.
- ``Tier``: a level of the club. A member qualifies when the tier's basis (points earned,
  amount spent, number of orders) over its period (lifetime, the calendar year in the shop's
  timezone, the rolling 12 months) reaches the threshold. A tier may give its members a
  percentage off every order, without a code: Shopify applies it from a customer segment on
  the tier's tag (``vip.discounts`` keeps both in Shopify and their GIDs on the tier). Tiers
  are never deleted once members held them (history points at them): a configuration that
  drops one deactivates it.
- ``MemberTier``: a member's current tier, when its term started, until when it is kept
  (``kept_until``; null means no term end) and since when the member no longer qualifies
  (``below_since``, the start of a grace period).
- ``TierChange``: the append-only history of a member's tier (from, to, reason, when).
- ``TierPurchase``: one order line that bought a tier's membership product (the paid club): the
  term it covers, and when a refund or cancellation revoked it. A pure function of the mirrored
  order and its refunds (``vip.memberships``), so reordered webhooks converge.
- ``TierConfigVersion``: every applied configuration, as a snapshot, with what applying it
  moved; the preview of a proposed one runs the same evaluation statement (``vip.evaluation``).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from shopify_app.models import Shop


class VipProgram(models.Model):
    class Downgrade(models.TextChoices):
        NEVER = "never"
        END_OF_PERIOD = "end_of_period"  # at the end of the tier's term, if no longer qualifying
        GRACE = "grace"  # grace_days after the member stopped qualifying (and not within term)

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="vip_program")
    enabled = models.BooleanField(default=True)
    downgrade = models.CharField(max_length=16, choices=Downgrade.choices, default="end_of_period")
    grace_days = models.PositiveIntegerField(default=30)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"vip program of {self.shop_id} (v{self.version})"


class Tier(models.Model):
    class Basis(models.TextChoices):
        POINTS = "points"  # points earned (orders net of reversals, actions, referrals, ...)
        SPENT = "spent"  # eligible amount of orders, net of refunds, cancelled ones excluded
        ORDERS = "orders"  # orders not cancelled nor fully refunded

    class Period(models.TextChoices):
        LIFETIME = "lifetime"
        CALENDAR_YEAR = "calendar_year"  # in the shop's timezone
        ROLLING_12_MONTHS = "rolling_12_months"

    class PerkEvery(models.TextChoices):
        MONTH = "month"
        QUARTER = "quarter"

    class TermUnit(models.TextChoices):
        DAYS = "days"
        MONTHS = "months"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="vip_tiers")
    name = models.CharField(max_length=64)
    rank = models.PositiveIntegerField()  # 1 = the lowest tier
    basis = models.CharField(max_length=8, choices=Basis.choices, default="spent")
    period = models.CharField(max_length=20, choices=Period.choices, default="lifetime")
    threshold = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    multiplier = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal(1))
    entry_points = models.PositiveIntegerField(default=0)
    perks = models.TextField(blank=True)
    customer_tag = models.CharField(max_length=64, blank=True)
    invitation_only = models.BooleanField(default=False)  # assigned by staff, never evaluated
    # A catalog reward whose code is given on entering the tier (once per tier and term, as the
    # entry points), without spending points.
    entry_reward = models.ForeignKey(
        "loyalty.Reward", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Recurring perk: a code of this catalog reward (free shipping or percent off) for every
    # member of the tier, once per calendar month or quarter in the shop's timezone.
    perk_reward = models.ForeignKey(
        "loyalty.Reward", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    perk_every = models.CharField(max_length=8, choices=PerkEvery.choices, blank=True)
    # The paid club: buying this product variant (numeric Shopify id) grants the tier for
    # ``membership_term`` days or months from the payment.
    membership_variant_id = models.BigIntegerField(null=True, blank=True)
    membership_term = models.PositiveIntegerField(default=0)
    membership_term_unit = models.CharField(
        max_length=8, choices=TermUnit.choices, default="months"
    )
    # An automatic discount for the tier's members, without a code (0 = none): a Shopify
    # segment on the tier's tag and an automatic basic discount for that segment, whose GIDs
    # are kept here once made (``vip.discounts``).
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    segment_gid = models.CharField(max_length=128, blank=True)
    discount_gid = models.CharField(max_length=128, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "rank"], condition=Q(active=True), name="vip_tier_shop_rank"
            ),
            models.CheckConstraint(condition=Q(rank__gt=0), name="vip_tier_rank_gt_0"),
            models.CheckConstraint(condition=Q(threshold__gte=0), name="vip_tier_threshold_gte_0"),
            models.CheckConstraint(
                condition=Q(multiplier__gte=0), name="vip_tier_multiplier_gte_0"
            ),
            # An order line grants at most one tier (webhooks look tiers up by variant).
            models.UniqueConstraint(
                fields=["shop", "membership_variant_id"],
                condition=Q(active=True, membership_variant_id__isnull=False),
                name="vip_tier_shop_membership_variant",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="vip_tier_discount_percent_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (rank {self.rank})"


class MemberTier(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.OneToOneField(
        "loyalty.Member", on_delete=models.CASCADE, related_name="vip_tier"
    )
    tier = models.ForeignKey(Tier, null=True, on_delete=models.PROTECT, related_name="+")
    term_start = models.DateTimeField(null=True)
    kept_until = models.DateTimeField(null=True)
    below_since = models.DateTimeField(null=True)
    assigned_by = models.CharField(max_length=255, blank=True)  # staff, for invitation-only
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Distribution per tier (the admin's chart, the preview's "before" side).
            models.Index(fields=["shop", "tier"], name="vip_member_tier_shop_tier"),
        ]

    def __str__(self) -> str:
        return f"member {self.member_id}: tier {self.tier_id}"


class TierChange(models.Model):
    class Reason(models.TextChoices):
        QUALIFIED = "qualified"  # reached on an event or by the nightly job
        DOWNGRADED = "downgraded"  # per the program's downgrade policy
        CONFIG = "config"  # a new configuration moved the member
        STAFF = "staff"  # assigned or removed by staff
        PURCHASED = "purchased"  # bought as a membership product (the paid club)
        REFUNDED = "refunded"  # that purchase refunded or cancelled within its term

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "loyalty.Member", on_delete=models.CASCADE, related_name="tier_changes"
    )
    from_tier = models.ForeignKey(Tier, null=True, on_delete=models.PROTECT, related_name="+")
    to_tier = models.ForeignKey(Tier, null=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    config_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["member", "-created_at"], name="vip_tier_change_member"),
        ]

    def __str__(self) -> str:
        return f"member {self.member_id}: {self.from_tier_id} → {self.to_tier_id}"


class TierConfigVersion(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    # {"downgrade", "grace_days", "tiers": [{id, name, rank, basis, period, threshold, ...}]}
    config = models.JSONField()
    # What applying it did: {"counts": {tier id: n}, "up": n, "down": n}.
    result = models.JSONField(default=dict)
    created_by = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "version"], name="vip_config_shop_version"),
        ]

    def __str__(self) -> str:
        return f"vip config v{self.version} of {self.shop_id}"


class TierPurchase(models.Model):
    """An order line that bought a tier's membership: active from ``paid_at`` to ``ends_at``
    unless ``revoked_at`` (the line refunded, or the order cancelled)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "loyalty.Member", on_delete=models.CASCADE, related_name="tier_purchases"
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    order_shopify_id = models.BigIntegerField()
    line_item_id = models.BigIntegerField()
    variant_id = models.BigIntegerField()
    paid_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "order_shopify_id", "line_item_id"], name="vip_purchase_line"
            ),
        ]
        indexes = [
            # A member's purchases still running (``member_membership_apply``).
            models.Index(
                fields=["member", "ends_at"],
                condition=Q(revoked_at__isnull=True),
                name="vip_purchase_member_active",
            ),
        ]

    def __str__(self) -> str:
        return f"member {self.member_id}: tier {self.tier_id} until {self.ends_at:%Y-%m-%d}"
