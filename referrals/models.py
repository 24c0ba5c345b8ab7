"""Referrals: a member's code, the friends who claimed an offer with it, and the decisions.

A ``Referral`` is bound server-side to the friend's (normalised) email and to the single-use
discount code it issued, so it completes on whatever device the friend pays from. Points are
never written here: the referrer's reward is a ledger entry made through
``loyalty.services.grants`` and only referenced — or, when the program names a catalog reward,
that reward's code granted free through the same module, frozen on the referral
(``reward_grant``) and created in Shopify after commit, starting when the hold ends.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from loyalty.models import Member, PointsTransaction, Reward
from shopify_app.models import Shop


class ReferralProgram(models.Model):
    """A shop's referral settings (one row, created with the defaults on first read)."""

    class OfferKind(models.TextChoices):
        PERCENT = "percent"
        FIXED = "fixed"
        FREE_SHIPPING = "free_shipping"

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="referral_program")
    active = models.BooleanField(default=True)
    referrer_points = models.PositiveIntegerField(default=1000)
    # A reward of loyalty's catalog the referrer gets instead of points (its code, free).
    referrer_reward = models.ForeignKey(
        Reward, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offer_kind = models.CharField(max_length=16, choices=OfferKind.choices, default="percent")
    # Percent (10 = 10%) or an amount in the shop's currency; unused for free shipping.
    offer_value = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("10"))
    minimum_order = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    code_expiry_days = models.PositiveIntegerField(default=30)
    # A paid order by the friend's email completes the referral this long after the claim.
    attribution_days = models.PositiveIntegerField(default=30)
    # The reward stays pending this long after the order (0: posted at once).
    hold_days = models.PositiveIntegerField(default=14)
    fraud_checks = models.BooleanField(default=True)
    # Velocity: at most this many referrals per referrer / per IP within velocity_days.
    velocity_per_referrer = models.PositiveIntegerField(default=10)
    velocity_per_ip = models.PositiveIntegerField(default=10)
    velocity_days = models.PositiveIntegerField(default=7)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"referral program of {self.shop_id}"


class ReferralCode(models.Model):
    """A member's stable referral code (random, unguessable, unique within the shop)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="referral_code")
    code = models.CharField(max_length=32)
    visits = models.PositiveIntegerField(default=0)  # link openings ("invited")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="referral_code_shop_code"),
        ]

    def __str__(self) -> str:
        return self.code


class ReferrerSignal(models.Model):
    """What the referrer's own paid orders showed (IP, shipping address, phone), normalised,
    so a friend's order from the same household or device is recognised."""

    class Kind(models.TextChoices):
        IP = "ip"
        ADDRESS = "address"
        PHONE = "phone"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.CharField(max_length=512)
    seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "value"], name="referrer_signal_member_kind_value"
            ),
        ]
        indexes = [models.Index(fields=["shop", "kind", "value"], name="referrer_signal_lookup")]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.kind}"


class Referral(models.Model):
    """One friend's claim of a referrer's offer, and what became of it."""

    class Status(models.TextChoices):
        CLAIMED = "claimed"  # code issued (or being issued), no order yet
        HELD = "held"  # an order came, a fraud rule asks for a staff decision
        COMPLETED = "completed"  # rewarded (the reward may still be pending)
        REJECTED = "rejected"  # a fraud rule or staff said no
        REVERSED = "reversed"  # the order was cancelled or refunded within the hold

    class CodeStatus(models.TextChoices):
        PENDING = "pending"
        ISSUED = "issued"
        FAILED = "failed"

    class RewardCodeStatus(models.TextChoices):
        NONE = ""  # a points reward, or none yet
        PENDING = "pending"  # granted, the code not yet made in Shopify
        ISSUED = "issued"  # made; usable from reward_available_at
        FAILED = "failed"  # Shopify refused to make (or to void) it: reward_code_error says why
        VOIDED = "voided"  # the order was undone within the hold: deactivated in Shopify
        USED = "used"  # used in an order (kept: see loyalty.services.grants.reward_grant_void)

    class Attribution(models.TextChoices):
        NONE = ""
        CODE = "code"
        EMAIL = "email"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    referrer = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="referrals")
    referral_code = models.ForeignKey(ReferralCode, on_delete=models.CASCADE, related_name="+")
    # Lowercased and trimmed: one offer per friend email.
    friend_email = models.CharField(max_length=255)
    # +tag dropped, Gmail dots removed: compared with the referrer's for self-referral.
    friend_email_canonical = models.CharField(max_length=255)
    claim_ip = models.GenericIPAddressField(null=True, blank=True)
    order_ip = models.GenericIPAddressField(null=True, blank=True)  # the order's browser_ip
    status = models.CharField(max_length=12, choices=Status.choices, default="claimed")
    discount_code = models.CharField(max_length=64)
    code_status = models.CharField(max_length=8, choices=CodeStatus.choices, default="pending")
    discount_node_id = models.CharField(max_length=128, blank=True)
    code_error = models.TextField(blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    attributed_by = models.CharField(max_length=8, choices=Attribution.choices, blank=True)
    order_shopify_id = models.BigIntegerField(null=True, blank=True)
    friend_customer_shopify_id = models.BigIntegerField(null=True, blank=True)
    order_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    reward_points = models.PositiveIntegerField(default=0)
    reward_entry = models.ForeignKey(
        PointsTransaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A catalog reward instead of points: the frozen grant (loyalty.services.grants.RewardGrant),
    # its code and what became of it in Shopify.
    reward_grant = models.JSONField(default=dict, blank=True)
    reward_code = models.CharField(max_length=64, blank=True)
    reward_code_status = models.CharField(
        max_length=8, choices=RewardCodeStatus.choices, default="", blank=True
    )
    reward_node_id = models.CharField(max_length=128, blank=True)
    reward_code_error = models.TextField(blank=True)
    reward_available_at = models.DateTimeField(null=True, blank=True)  # the hold's end
    reward_code_changed_at = models.DateTimeField(null=True, blank=True)  # voided / used
    # The fraud rule that held or rejected it, and what it saw ({"rule": …, "evidence": …}).
    fraud_rule = models.CharField(max_length=32, blank=True)
    fraud_evidence = models.JSONField(default=dict, blank=True)
    decided_by = models.CharField(max_length=255, blank=True)  # staff, "" for the rules
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    claimed_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    reversed_at = models.DateTimeField(null=True, blank=True)
    redacted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "friend_email"], name="referral_shop_friend"),
            models.UniqueConstraint(fields=["shop", "discount_code"], name="referral_shop_code"),
            models.UniqueConstraint(
                fields=["shop", "reward_code"],
                condition=~models.Q(reward_code=""),
                name="referral_shop_reward_code",
            ),
            models.UniqueConstraint(
                fields=["shop", "order_shopify_id"],
                condition=models.Q(order_shopify_id__isnull=False),
                name="referral_shop_order",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "friend_email_canonical"], name="referral_canonical"),
            models.Index(fields=["shop", "claim_ip", "claimed_at"], name="referral_ip"),
            models.Index(fields=["referrer", "claimed_at"], name="referral_referrer"),
            # The sweeper's scan of codes still being made.
            models.Index(
                fields=["created_at"],
                condition=models.Q(code_status="pending"),
                name="referral_code_pending",
            ),
            # The reward sweeper's scan: codes to make, and made codes of undone referrals.
            models.Index(
                fields=["updated_at"],
                condition=models.Q(reward_code_status="pending")
                | models.Q(reward_code_status="issued", status__in=["reversed", "rejected"]),
                name="referral_reward_code_todo",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}:referral:{self.pk}"
