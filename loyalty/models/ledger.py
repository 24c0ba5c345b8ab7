"""The ledger: entries, the lots credits open and the allocations debits make, and the per-order
account of earns and reversals (the design is in ``loyalty.models``)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from shopify_app.models import Shop


class PointsTransaction(models.Model):
    class Kind(models.TextChoices):
        ORDER = "order"
        ACTION = "action"
        REDEEM = "redeem"
        REDEEM_REFUND = "redeem_refund"  # compensates a redemption whose code could not be made
        REFUND_REVERSAL = "refund_reversal"
        CANCEL_REVERSAL = "cancel_reversal"
        EXPIRY = "expiry"
        ADJUSTMENT = "adjustment"
        REFERRAL = "referral"
        TIER_BONUS = "tier_bonus"
        IMPORT = "import"

    class Status(models.TextChoices):
        PENDING = "pending"
        POSTED = "posted"
        VOID = "void"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "loyalty.Member", on_delete=models.CASCADE, related_name="transactions"
    )
    amount = models.IntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default="posted")
    idempotency_key = models.CharField(max_length=255)
    # What caused it: ("order", "<shopify id>"), ("refund", …), ("rule", "<rule id>"), …
    source_type = models.CharField(max_length=32, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="reversals"
    )
    reason = models.CharField(max_length=255, blank=True)  # internal, for staff
    note = models.CharField(max_length=500, blank=True)  # shown to the customer
    created_by = models.CharField(max_length=255, blank=True)  # staff user (Shopify user id)
    posts_at = models.DateTimeField(null=True, blank=True)  # when a pending entry posts
    posted_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # of the lot a credit opens
    earned_at = models.DateTimeField(null=True, blank=True)  # imports may backdate a lot
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "idempotency_key"], name="points_txn_shop_idempotency_key"
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="points_txn_amount_not_0"),
        ]
        indexes = [
            # The posting job: due pending entries, oldest first.
            models.Index(
                fields=["posts_at"], condition=Q(status="pending"), name="points_txn_pending_due"
            ),
            # A member's history, newest first.
            models.Index(fields=["member", "-created_at"], name="points_txn_member_created"),
            # Per-rule limits count a member's earlier awards of one rule.
            models.Index(
                fields=["member", "source_type", "source_id"], name="points_txn_member_source"
            ),
            # Analytics: a shop's entries over a date range.
            models.Index(fields=["shop", "created_at"], name="points_txn_shop_created"),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} {self.amount:+d} ({self.status})"


class PointsLot(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("loyalty.Member", on_delete=models.CASCADE, related_name="lots")
    entry = models.OneToOneField(PointsTransaction, on_delete=models.CASCADE, related_name="lot")
    amount = models.PositiveIntegerField()
    remaining = models.PositiveIntegerField()
    earned_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="lot_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=F("amount")),
                name="lot_remaining_between_0_and_amount",
            ),
        ]
        indexes = [
            # FIFO consumption: a member's open lots, oldest first.
            models.Index(
                fields=["member", "earned_at", "id"],
                condition=Q(remaining__gt=0),
                name="lot_member_open_fifo",
            ),
            # The expiry job: open lots past their expiry.
            models.Index(
                fields=["expires_at"], condition=Q(remaining__gt=0), name="lot_open_expires"
            ),
        ]

    def __str__(self) -> str:
        return f"lot {self.pk}: {self.remaining}/{self.amount}"


class LotAllocation(models.Model):
    """``amount`` points of ``lot`` consumed by the debit ``entry``."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(
        PointsTransaction, on_delete=models.CASCADE, related_name="allocations"
    )
    lot = models.ForeignKey(PointsLot, on_delete=models.CASCADE, related_name="allocations")
    amount = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "lot"], name="lot_allocation_entry_lot"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="lot_allocation_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} from lot {self.lot_id} by entry {self.entry_id}"


class OrderPoints(models.Model):
    """What one order earned and what has been taken back since."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    order_shopify_id = models.BigIntegerField()
    member = models.ForeignKey(
        "loyalty.Member", on_delete=models.CASCADE, related_name="order_points"
    )
    earn_entry = models.OneToOneField(
        PointsTransaction, on_delete=models.CASCADE, related_name="order_points"
    )
    eligible_amount = models.DecimalField(max_digits=14, decimal_places=2)
    awarded = models.PositiveIntegerField()
    # The earning multiplier the award was computed with (the VIP tier's, say), for the record:
    # reversals take back shares of ``awarded``, so they return exactly what was given.
    multiplier = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal(1))
    # Cumulative over processed refunds; the reversal target is derived from it (no drift).
    refunded_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    reversed_target = models.PositiveIntegerField(default=0)
    reversed = models.PositiveIntegerField(default=0)  # actually taken back (or voided)
    cancelled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "order points"
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "order_shopify_id"], name="order_points_shop_order"
            ),
            models.CheckConstraint(
                condition=Q(reversed__lte=F("reversed_target"))
                & Q(reversed_target__lte=F("awarded")),
                name="order_points_reversed_within_awarded",
            ),
        ]
        indexes = [
            # Analytics: a shop's earning orders over a date range.
            models.Index(fields=["shop", "created_at"], name="order_points_shop_created"),
        ]

    def __str__(self) -> str:
        return f"order {self.order_shopify_id}: {self.awarded} awarded, {self.reversed} reversed"

    @property
    def shortfall(self) -> int:
        return self.reversed_target - self.reversed


class PointsReversal(models.Model):
    class Kind(models.TextChoices):
        REFUND = "refund"
        CANCEL = "cancel"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    order_points = models.ForeignKey(
        OrderPoints, on_delete=models.CASCADE, related_name="reversals"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    idempotency_key = models.CharField(max_length=255)  # refund:<id>:reverse, order:<id>:cancel
    refunded_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    requested = models.PositiveIntegerField()
    reversed = models.PositiveIntegerField()
    shortfall = models.PositiveIntegerField(default=0)  # points already spent, not recovered
    entry = models.OneToOneField(
        PointsTransaction, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "idempotency_key"], name="points_reversal_shop_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key}: {self.reversed}/{self.requested}"
