"""The Shopify edge's data: shops, and mirrors of the Shopify records the programs need.

Design:

- ``Shop`` is the tenant. Every tenant-owned table in every app has ``shop_id`` and every
  unique key starts with it, so the schema can later be distributed by shop (Citus).
- ``Customer``, ``Order`` and ``Refund`` mirror Shopify's records, keyed by
  ``(shop, shopify_id)``. They hold only what the loyalty programs read. Money is ``Decimal``
  in the shop's currency, taken from the ``shop_money`` side of Shopify's ``*_set`` fields.
  Webhooks can arrive duplicated and out of order, so each mirror keeps Shopify's
  ``updated_at`` and an upsert only wins when it is newer (see ``shopify_app.services.mirror``).
- Personal data (names, emails, phones) is nullable everywhere: Shopify withholds it until the
  app is approved for protected customer data, and ``customers/redact`` erases it.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower, Now


class Shop(models.Model):
    domain = models.CharField(max_length=255, unique=True)  # xxx.myshopify.com
    shopify_id = models.BigIntegerField(null=True, blank=True)
    name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=255, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    timezone = models.CharField(max_length=64, default="UTC")  # IANA name
    shopify_plan = models.CharField(max_length=64, blank=True)  # Shopify's plan_name
    app_plan = models.CharField(max_length=64, default="free")  # our billing plan
    scopes = models.TextField(blank=True)  # comma-separated, as granted
    installed_at = models.DateTimeField(null=True, blank=True)
    uninstalled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.domain

    @property
    def is_installed(self) -> bool:
        return self.installed_at is not None and self.uninstalled_at is None


class Customer(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="customers")
    shopify_id = models.BigIntegerField()
    email = models.CharField(max_length=255, null=True, blank=True)
    first_name = models.CharField(max_length=255, null=True, blank=True)
    last_name = models.CharField(max_length=255, null=True, blank=True)
    phone = models.CharField(max_length=64, null=True, blank=True)
    state = models.CharField(max_length=16, blank=True)  # enabled, disabled, invited, declined
    tags = models.JSONField(default=list, blank=True)
    amount_spent = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    number_of_orders = models.IntegerField(null=True, blank=True)
    shopify_created_at = models.DateTimeField(null=True, blank=True)
    shopify_updated_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)  # customers/delete
    redacted_at = models.DateTimeField(null=True, blank=True)  # customers/redact
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "shopify_id"], name="customer_shop_shopify_id"),
        ]
        indexes = [
            # Launcher and import look customers up by email within a shop.
            models.Index(fields=["shop", "email"], name="customer_shop_email"),
            # The CSV import matches emails case-insensitively (``imports._customers_match``).
            models.Index(F("shop"), Lower("email"), name="customer_shop_email_lower"),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}:customer:{self.shopify_id}"

    @property
    def gid(self) -> str:
        return f"gid://shopify/Customer/{self.shopify_id}"


class Order(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="orders")
    shopify_id = models.BigIntegerField()
    # The customer may be synced after the order; the id is kept and the link filled later.
    customer_shopify_id = models.BigIntegerField(null=True, blank=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    name = models.CharField(max_length=64, blank=True)  # "#1001"
    email = models.CharField(max_length=255, null=True, blank=True)
    currency = models.CharField(max_length=3)
    financial_status = models.CharField(max_length=32, blank=True)
    test = models.BooleanField(default=False)
    source_name = models.CharField(max_length=64, blank=True)
    subtotal_price = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_price = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_discounts = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_shipping = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_tax = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    current_total_price = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    current_subtotal_price = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # [{id, variant_id, product_id, quantity, price, total_discount, gift_card}]
    line_items = models.JSONField(default=list, blank=True)
    discount_codes = models.JSONField(default=list, blank=True)  # ["CODE", ...]
    note_attributes = models.JSONField(default=dict, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    shopify_created_at = models.DateTimeField(null=True, blank=True)
    shopify_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "shopify_id"], name="order_shop_shopify_id"),
        ]
        indexes = [
            # A member's order history and the linking of late-synced customers.
            models.Index(fields=["shop", "customer_shopify_id"], name="order_shop_customer"),
            # Reconciliation walks recent orders by Shopify's updated_at.
            models.Index(fields=["shop", "shopify_updated_at"], name="order_shop_updated"),
            # Whether a referred friend has ordered before, by email (referrals).
            models.Index(F("shop"), Lower("email"), name="order_shop_email_lower"),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}:order:{self.name or self.shopify_id}"

    @property
    def gid(self) -> str:
        return f"gid://shopify/Order/{self.shopify_id}"


class Refund(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="refunds")
    shopify_id = models.BigIntegerField()
    order_shopify_id = models.BigIntegerField()
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.CASCADE, related_name="refunds"
    )
    # [{line_item_id, quantity, subtotal, total_tax, gift_card}] with Decimal strings.
    refund_line_items = models.JSONField(default=list, blank=True)
    shipping_refunded = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)  # money returned
    processed_at = models.DateTimeField(null=True, blank=True)
    shopify_created_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "shopify_id"], name="refund_shop_shopify_id"),
        ]
        indexes = [models.Index(fields=["shop", "order_shopify_id"], name="refund_shop_order")]

    def __str__(self) -> str:
        return f"{self.shop_id}:refund:{self.shopify_id}"


class ShopCredential(models.Model):
    """The shop's offline access token, encrypted at rest (``shopify_app.crypto``).

    Expiring offline tokens (mandatory for new public apps) come with a rotating refresh token;
    both are replaced together in one UPDATE, so a reader never sees a new access token beside
    an old refresh token. ``expires_at`` is null for a non-expiring token.
    """

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="credential")
    access_token = models.TextField()  # Fernet ciphertext
    scopes = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token = models.TextField(blank=True)  # Fernet ciphertext; empty when non-expiring
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every replacement; refreshers compare it to detect that another won the race.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"credential for {self.shop_id}"


class WebhookDelivery(models.Model):
    """The webhook inbox: one row per delivery Shopify made, written before we answer 200.

    ``webhook_id`` is Shopify's ``X-Shopify-Webhook-Id``: the same on every retry of a
    delivery, so it is the dedup key. ``event_id`` (``X-Shopify-Event-Id``) is shared by every
    delivery of one merchant action across topics and subscriptions; unique with shop and topic
    it collapses a second subscription to the same topic.

    ``body`` is the request body exactly as Shopify sent and signed it. Stored as bytes rather
    than ``jsonb``: the intake validates the JSON in Python anyway (``orjson``, the same parser
    the worker reads it with), and a ``jsonb`` column would make PostgreSQL parse every ~11 kB
    order a second time inside the web request, the largest single cost of an intake (measured
    in ``bench/webhook_intake.py``). The exact bytes also keep the HMAC checkable for as long as
    the row lives. ``payload`` is the parsed object.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        FAILED = "failed"  # attempts exhausted; an operator can replay it
        IGNORED = "ignored"  # no handler for the topic

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="webhook_deliveries")
    webhook_id = models.CharField(max_length=128)
    topic = models.CharField(max_length=128)
    api_version = models.CharField(max_length=16, blank=True)
    event_id = models.CharField(max_length=128, null=True, blank=True)
    triggered_at = models.DateTimeField(null=True, blank=True)
    body = models.BinaryField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # When a pending row is next due: its arrival, then after each failed attempt the end of its
    # backoff. Kept on the row so that a retry doesn't depend on a broker message surviving:
    # drains claim due rows and the sweeper finds rows due for too long (``services.webhooks``).
    next_attempt_at = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "webhook_id"], name="webhook_shop_webhook_id"),
            models.UniqueConstraint(
                fields=["shop", "topic", "event_id"],
                condition=models.Q(event_id__isnull=False),
                name="webhook_shop_topic_event",
            ),
        ]
        indexes = [
            # Drains claim due pending rows in this order; the sweeper probes for rows due long
            # ago. Only pending rows: the index stays as small as the backlog.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(status="pending"),
                name="webhook_pending_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.webhook_id}"

    @property
    def payload(self) -> dict[str, Any]:
        """The body parsed (once per instance). Raises ``orjson.JSONDecodeError`` (a
        ``ValueError``) for a body that is not a JSON object, which the intake never stores."""
        parsed = self.__dict__.get("_payload")
        if parsed is None:
            parsed = orjson.loads(bytes(self.body))
            if not isinstance(parsed, dict):
                raise orjson.JSONDecodeError("the body is not a JSON object", "", 0)
            self.__dict__["_payload"] = parsed
        return parsed

    @payload.setter
    def payload(self, value: dict[str, Any]) -> None:
        # Rows made in code (tests, fixtures): ``WebhookDelivery(payload={...})`` works too.
        self.body = orjson.dumps(value)
        self.__dict__["_payload"] = value


class SyncRun(models.Model):
    """One import of a resource into the mirrors, with the progress the admin shows.

    ``initial`` runs import a bulk operation's JSONL (one run per resource, so customers and
    orders run as two concurrent bulk operations). ``bytes_offset`` is always the start of the
    first line not yet committed: it moves in the same transaction as the rows it covers, so a
    killed import resumes there and re-reading a line is harmless (upserts). ``reconcile`` runs
    page recent changes through GraphQL; ``watermark`` is the newest ``updatedAt`` they covered.
    """

    class Kind(models.TextChoices):
        INITIAL = "initial"
        RECONCILE = "reconcile"

    class Resource(models.TextChoices):
        CUSTOMERS = "customers"
        ORDERS = "orders"

    class Status(models.TextChoices):
        PENDING = "pending"  # created; the bulk operation is not started yet
        RUNNING = "running"  # Shopify is running the bulk operation
        IMPORTING = "importing"  # we are reading its result
        COMPLETED = "completed"
        FAILED = "failed"

    ACTIVE_STATUSES = (Status.PENDING, Status.RUNNING, Status.IMPORTING)

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    resource = models.CharField(max_length=16, choices=Resource.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    bulk_operation_id = models.CharField(max_length=255, blank=True)  # BulkOperation GID
    object_count = models.BigIntegerField(null=True, blank=True)  # Shopify's count, when done
    lines_processed = models.BigIntegerField(default=0)  # JSONL lines (or nodes) committed
    records_processed = models.BigIntegerField(default=0)  # customers or orders upserted
    bytes_offset = models.BigIntegerField(default=0)
    file_size = models.BigIntegerField(null=True, blank=True)
    watermark = models.DateTimeField(null=True, blank=True)
    # An importer holds the run until this instant and renews it at each commit; a worker that
    # dies leaves it to expire, and the next attempt resumes from ``bytes_offset``.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # At most one unfinished run per shop, kind and resource: starting a sync twice (a
            # retried install hook, two workers) finds the run already there.
            models.UniqueConstraint(
                fields=["shop", "kind", "resource"],
                condition=models.Q(status__in=["pending", "running", "importing"]),
                name="syncrun_one_active",
            ),
        ]
        indexes = [
            # bulk_operations/finish and the poller look a run up by its bulk operation.
            models.Index(fields=["shop", "bulk_operation_id"], name="syncrun_shop_bulk_op"),
            # The admin's progress view and the reconcile watermark: a shop's latest runs.
            models.Index(fields=["shop", "kind", "resource", "-created_at"], name="syncrun_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}:{self.kind}:{self.resource}:{self.status}"


class CustomerDataExport(models.Model):
    """What we hold about one customer, collected for a ``customers/data_request``.

    Shopify asks the app to give the store owner (not the customer, not the webhook response)
    everything it holds on the customer; the owner downloads this row's ``data`` from the
    admin. One row per data request: a repeated delivery refreshes it. ``customers/redact``
    deletes the customer's exports, since they are personal data themselves.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="customer_data_exports")
    data_request_id = models.BigIntegerField(null=True, blank=True)  # Shopify's data_request.id
    customer_shopify_id = models.BigIntegerField(null=True, blank=True)
    email = models.CharField(max_length=255, null=True, blank=True)
    data = models.JSONField(default=dict)  # {app_label: that app's export}
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "data_request_id"], name="data_export_shop_request"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}:data-export:{self.data_request_id}"
