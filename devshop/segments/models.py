"""Customer segments and automatic discounts, as Shopify's Admin API manages them.

Design:

- ``DevSegment``: a named ShopifyQL segment query (``segmentCreate``). Membership is not
  stored: it is evaluated from the customer's facts when a checkout asks
  (``services.segments.segment_contains``), as Shopify's segments are always current. Names
  are unique per shop, as Shopify's are. ``segmentDelete`` removes the row.
- ``DevAutomaticDiscount``: a ``DiscountAutomaticNode`` of the basic kind (an amount off
  every line), with who it is for — everyone, or the customers of its segments
  (``context.customerSegments``) — and when it runs. The checkout applies the active ones
  whose context holds the checking-out customer (``services.automatic_discounts``).
  ``discountAutomaticDelete`` removes the row; orders keep what they were given.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from devshop.models import DevShop, gid


class DevSegment(models.Model):
    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(DevShop, on_delete=models.CASCADE, related_name="segments")
    name = models.CharField(max_length=255)
    query = models.TextField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="devsegment_shop_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def gid(self) -> str:
        return gid("Segment", self.id)


class DevAutomaticDiscount(models.Model):
    class ValueType(models.TextChoices):
        PERCENTAGE = "percentage"  # value is a fraction 0-1
        FIXED_AMOUNT = "fixed_amount"

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(DevShop, on_delete=models.CASCADE, related_name="automatic_discounts")
    title = models.CharField(max_length=255)
    value_type = models.CharField(max_length=16, choices=ValueType.choices)
    value = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    context_all = models.BooleanField(default=True)
    segment_ids = models.JSONField(default=list, blank=True)  # numeric DevSegment ids
    combines_with = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    usage_count = models.IntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.title

    @property
    def gid(self) -> str:
        return gid("DiscountAutomaticNode", self.id)
