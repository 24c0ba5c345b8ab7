"""The rewards catalog and redemptions: points spent, or a free grant, for a single-use Shopify
discount code whose offer is frozen at redeem time."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from loyalty.models.ledger import PointsTransaction
from shopify_app.models import Shop


class Reward(models.Model):
    class Kind(models.TextChoices):
        FIXED_AMOUNT = "fixed_amount"
        VARIABLE_AMOUNT = "variable_amount"
        PERCENT_OFF = "percent_off"
        FREE_SHIPPING = "free_shipping"
        FREE_PRODUCT = "free_product"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="rewards")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=255)
    # Fixed-cost rewards: the price in points. Variable: points per increment.
    points_cost = models.PositiveIntegerField()
    # fixed_amount: the amount off; variable_amount: the amount off per increment.
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)  # 0-100
    min_points = models.PositiveIntegerField(null=True, blank=True)  # variable_amount
    max_points = models.PositiveIntegerField(null=True, blank=True)  # variable_amount
    product_variant_id = models.BigIntegerField(null=True, blank=True)  # free_product
    minimum_order = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    code_expiry_days = models.PositiveIntegerField(null=True, blank=True)
    combines_with_order = models.BooleanField(default=False)
    combines_with_product = models.BooleanField(default=False)
    combines_with_shipping = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "points_cost", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(points_cost__gt=0), name="reward_points_cost_gt_0"),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | (Q(percent__gt=0) & Q(percent__lte=100)),
                name="reward_percent_between_0_and_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Redemption(models.Model):
    """Points spent on a reward. Ends ``issued`` (then perhaps ``used``) or ``refunded``."""

    class Status(models.TextChoices):
        PENDING = "pending"  # points debited, code not yet confirmed by Shopify
        ISSUED = "issued"
        USED = "used"
        REFUNDED = "refunded"  # Shopify refused the code; the points came back

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "loyalty.Member", on_delete=models.CASCADE, related_name="redemptions"
    )
    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="redemptions")
    points = models.PositiveIntegerField()
    # What the code gives, frozen at redemption time (the reward may be edited later).
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # The rest of the offer, frozen with it: the code is issued from this, never from the live
    # reward. Schema: ``loyalty.services.discount_codes.RedemptionOffer``.
    offer = models.JSONField(default=dict, blank=True)
    code = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default="pending")
    # Null for a code the program gives without points (a VIP tier's entry reward or perk).
    debit_entry = models.OneToOneField(
        PointsTransaction,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="redemption",
    )
    refund_entry = models.OneToOneField(
        PointsTransaction, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    discount_node_id = models.CharField(max_length=128, blank=True)  # DiscountCodeNode GID
    ends_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    used_order_shopify_id = models.BigIntegerField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    # A given code's idempotency key (``vip:<tier>:member:<id>:perk:2026-12``); null for a
    # redemption paid with points, which the debit entry's key already makes unique.
    grant_key = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="redemption_shop_code"),
            models.UniqueConstraint(fields=["shop", "grant_key"], name="redemption_shop_grant"),
        ]
        indexes = [
            # The sweeper: pending redemptions, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="redemption_pending_created",
            ),
            models.Index(fields=["member", "status"], name="redemption_member_status"),
            # Analytics: a shop's redemptions over a date range.
            models.Index(fields=["shop", "created_at"], name="redemption_shop_created"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.status})"
