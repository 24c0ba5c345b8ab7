"""Webhook deliveries devshop has sent or will send, one row per (event, subscription).

Design:

- A row is one *delivery*: one payload for one subscription. ``webhook_id`` is its
  ``X-Shopify-Webhook-Id``: the same on every retry and on deliberate duplicates (that is the
  app's dedup key), while ``event_id`` is shared by every delivery of one merchant action.
- ``body`` holds the exact bytes sent, so a retry re-sends the original payload with the same
  HMAC, as Shopify does.
- ``next_attempt_at`` (devshop's clock) says when it is due. A sender claims a due row by
  moving ``next_attempt_at`` forward by a lease in a conditional UPDATE; a sender that dies
  mid-send leaves the row due again once the lease runs out, so nothing is lost.
- Deliberately no foreign keys to devshop's shop or subscription rows: a delivery outlives
  its subscription (Shopify deletes one after repeated failures) and app-wide subscriptions
  from ``shopify.app.toml`` have no row at all.
"""

from __future__ import annotations

from django.db import models


class DevWebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"  # due at next_attempt_at
        HELD = "held"  # parked by the hold knob until released
        DELIVERED = "delivered"  # answered 2xx
        FAILED = "failed"  # retries exhausted (or its subscription is gone)

    webhook_id = models.CharField(max_length=64, unique=True)
    event_id = models.CharField(max_length=64)
    shop_domain = models.CharField(max_length=255)
    topic = models.CharField(max_length=128)
    api_version = models.CharField(max_length=16)
    url = models.CharField(max_length=2048)
    subscription_name = models.CharField(max_length=255, null=True, blank=True)
    # DevWebhookSubscription id for per-shop subscriptions; null for app-wide (TOML) ones.
    subscription_id = models.BigIntegerField(null=True, blank=True)
    body = models.BinaryField()
    triggered_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # How many times each attempt sends the request (the duplicate knob; 1 = normal).
    copies = models.PositiveSmallIntegerField(default=1)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.IntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # [{"at": iso, "status": int | null, "error": str}] for the control page and tests.
    attempt_log = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # run_due(): pending rows whose next attempt is due, oldest first.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="devshop_whdelivery_due",
            ),
            # The control page lists a shop's deliveries, newest first.
            models.Index(fields=["shop_domain", "-id"], name="devshop_whdelivery_shop"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} → {self.url} ({self.status})"
