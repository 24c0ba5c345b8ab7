"""devshop's data: fake shops and the Shopify records the app reads and writes.

Design:

- Every record carries Shopify's kind of id: a large integer (``DevSequence`` hands them out
  per kind, from bases that look like Shopify's), exposed as a GID
  ``gid://shopify/<Type>/<id>``. The integer is the primary key, so seeding can write rows
  with COPY and compute GIDs without a lookup.
- devshop hosts exactly one app (``devshop.conf``). ``DevAppInstallation`` is that app on
  one shop; it owns the access tokens and the GraphQL cost bucket (Shopify's leaky bucket is
  per app and shop).
- Money is ``Decimal`` in the shop's currency. Orders keep their line items and refunds as
  rows, so partial refunds by line item and the bulk JSONL's child lines are real data.
- Time comes from ``devshop.clock``, never the wall clock, so tests can expire tokens.
"""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import F

# Where each kind's ids start: Shopify's ids are large, per-type integers.
ID_BASES = {
    "Shop": 60_000_000_000,
    "StaffMember": 110_000_000_000,
    "Customer": 7_300_000_000_000,
    "Product": 8_100_000_000_000,
    "ProductVariant": 44_000_000_000_000,
    "Order": 5_600_000_000_000,
    "LineItem": 13_800_000_000_000,
    "Refund": 910_000_000_000,
    "RefundLineItem": 520_000_000_000,
    "DiscountCodeNode": 1_400_000_000_000,
    "DiscountRedeemCode": 19_000_000_000_000,
    "Metafield": 30_000_000_000_000,
    "WebhookSubscription": 1_100_000_000_000,
    "BulkOperation": 4_200_000_000_000,
    "AppSubscription": 29_000_000_000,
    "Segment": 540_000_000_000,
    "DiscountAutomaticNode": 1_500_000_000_000,
}


def gid(kind: str, pk: int) -> str:
    return f"gid://shopify/{kind}/{pk}"


class DevSequence(models.Model):
    """The next free numeric id per kind (``ID_BASES``)."""

    kind = models.CharField(max_length=64, primary_key=True)
    next_value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.kind}: {self.next_value}"

    @classmethod
    def allocate(cls, kind: str, count: int = 1) -> int:
        """Reserve ``count`` consecutive ids of ``kind``; returns the first.

        The row lock serialises concurrent allocations (two seeds, or a seed beside the
        control page), so ranges never overlap.
        """
        with transaction.atomic():
            cls.objects.get_or_create(kind=kind, defaults={"next_value": ID_BASES[kind] + 1})
            row = cls.objects.select_for_update().get(kind=kind)
            first = row.next_value
            cls.objects.filter(kind=kind).update(next_value=F("next_value") + count)
        return first


class DevShop(models.Model):
    id = models.BigIntegerField(primary_key=True)
    domain = models.CharField(max_length=255, unique=True)  # xxx.myshopify.com
    name = models.CharField(max_length=255)
    email = models.CharField(max_length=255)
    currency = models.CharField(max_length=3, default="USD")
    timezone = models.CharField(max_length=64, default="America/New_York")  # IANA
    plan_name = models.CharField(max_length=64, default="basic")
    plan_display_name = models.CharField(max_length=64, default="Basic")
    next_order_number = models.IntegerField(default=1001)
    # GraphQL leaky bucket for the app on this shop (Standard plan figures by default); tests
    # shrink it to provoke THROTTLED.
    throttle_maximum = models.FloatField(default=2000.0)
    throttle_restore_rate = models.FloatField(default=100.0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.domain

    @property
    def gid(self) -> str:
        return gid("Shop", self.id)

    @property
    def handle(self) -> str:
        return self.domain.removesuffix(".myshopify.com")


class DevStaffMember(models.Model):
    """A staff user of a shop: the ``sub`` of session tokens and the online token's user."""

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(DevShop, on_delete=models.CASCADE, related_name="staff")
    first_name = models.CharField(max_length=255)
    last_name = models.CharField(max_length=255)
    email = models.CharField(max_length=255)
    account_owner = models.BooleanField(default=False)
    locale = models.CharField(max_length=16, default="en")
    collaborator = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.email} @ {self.shop_id}"


class DevAppInstallation(models.Model):
    """The app installed on a shop. Uninstalling keeps the row (reinstall reuses it)."""

    shop = models.OneToOneField(DevShop, on_delete=models.CASCADE, related_name="installation")
    scopes = models.TextField(blank=True)  # comma-separated, as granted
    installed_at = models.DateTimeField(null=True, blank=True)
    uninstalled_at = models.DateTimeField(null=True, blank=True)
    # Leaky bucket state: points available at bucket_updated_at (null = full).
    bucket_available = models.FloatField(null=True, blank=True)
    bucket_updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"app on {self.shop_id}"

    @property
    def is_installed(self) -> bool:
        return self.installed_at is not None and self.uninstalled_at is None

    @property
    def scope_list(self) -> list[str]:
        return [s for s in self.scopes.split(",") if s]


class DevTheme(models.Model):
    """An online store theme, with the one file the app reads: ``config/settings_data.json``
    (where Shopify records the app embeds a merchant switched on in the theme editor). Each shop
    gets a published ("MAIN") theme on first use; the editor page toggles its embeds."""

    class Role(models.TextChoices):
        MAIN = "MAIN"
        UNPUBLISHED = "UNPUBLISHED"

    shop = models.ForeignKey(DevShop, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=255, default="Dawn")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MAIN)
    settings_data = models.TextField(default='{"current": {"blocks": {}}}')
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"

    @property
    def gid(self) -> str:
        return gid("OnlineStoreTheme", self.id)


class DevAccessToken(models.Model):
    """An Admin API access token, with its refresh token when it is an expiring offline token.

    Refresh rotation (shopify-platform.md §1): refreshing with token A issues B and sets
    ``A.replaced_by = B``. A's refresh token keeps working (a lost response) until B is first
    used, and at most 30 days after A's refresh token was first used.
    """

    class Kind(models.TextChoices):
        OFFLINE = "offline"
        ONLINE = "online"

    installation = models.ForeignKey(
        DevAppInstallation, on_delete=models.CASCADE, related_name="tokens"
    )
    token = models.CharField(max_length=128, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    expiring = models.BooleanField(default=False)
    scopes = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token = models.CharField(max_length=128, unique=True, null=True, blank=True)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token_first_used_at = models.DateTimeField(null=True, blank=True)
    # The token's own first use (API call or refresh): it retires its predecessor's refresh.
    first_used_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A newer token retired this one's refresh token (one current expiring token per store).
    refresh_revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    associated_user = models.ForeignKey(
        DevStaffMember, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind} token {self.token[:10]}… for {self.installation_id}"


class DevAuthCode(models.Model):
    """An authorization code from the consent page: single use, short-lived."""

    code = models.CharField(max_length=64, primary_key=True)
    shop = models.ForeignKey(DevShop, on_delete=models.CASCADE, related_name="+")
    scopes = models.TextField(blank=True)
    online = models.BooleanField(default=False)
    staff = models.ForeignKey(DevStaffMember, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.shop_id}"


class DevWebhookSubscription(models.Model):
    """A per-shop subscription made with ``webhookSubscriptionCreate``.

    ``topic`` is the GraphQL enum value (``ORDERS_PAID``); deliveries use its REST form
    (``orders/paid``), see ``topic_rest``.
    """

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(
        DevShop, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    topic = models.CharField(max_length=128)
    uri = models.CharField(max_length=2048)
    format = models.CharField(max_length=8, default="JSON")
    name = models.CharField(max_length=255, null=True, blank=True)
    include_fields = models.JSONField(default=list, blank=True)
    metafield_namespaces = models.JSONField(default=list, blank=True)
    filter = models.TextField(null=True, blank=True)
    # Shopify deletes an API-made subscription after 8 consecutive failed deliveries.
    consecutive_failures = models.IntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.topic} → {self.uri}"

    @property
    def gid(self) -> str:
        return gid("WebhookSubscription", self.id)

    @property
    def topic_rest(self) -> str:
        """``ORDERS_PAID`` → ``orders/paid``; ``CUSTOMER_TAGS_ADDED`` → ``customer.tags_added``."""
        from devshop.graphql.schema import webhook_topic_rest

        return webhook_topic_rest(self.topic)


class DevBulkOperation(models.Model):
    class Status(models.TextChoices):
        CREATED = "CREATED"
        RUNNING = "RUNNING"
        COMPLETED = "COMPLETED"
        CANCELING = "CANCELING"
        CANCELED = "CANCELED"
        FAILED = "FAILED"
        EXPIRED = "EXPIRED"

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(DevShop, on_delete=models.CASCADE, related_name="bulk_operations")
    type = models.CharField(max_length=16, default="QUERY")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    query = models.TextField()
    group_objects = models.BooleanField(default=False)
    error_code = models.CharField(max_length=32, null=True, blank=True)
    object_count = models.BigIntegerField(default=0)
    root_object_count = models.BigIntegerField(default=0)
    file_size = models.BigIntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"bulk {self.id} {self.status}"

    @property
    def gid(self) -> str:
        return gid("BulkOperation", self.id)


class DevAppSubscription(models.Model):
    class Status(models.TextChoices):
        PENDING = "PENDING"
        ACTIVE = "ACTIVE"
        DECLINED = "DECLINED"
        EXPIRED = "EXPIRED"
        FROZEN = "FROZEN"
        CANCELLED = "CANCELLED"

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(DevShop, on_delete=models.CASCADE, related_name="app_subscriptions")
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    test = models.BooleanField(default=False)
    # The lineItems input as given: [{"plan": {"appRecurringPricingDetails": {...}}}].
    line_items = models.JSONField(default=list)
    return_url = models.CharField(max_length=2048)
    trial_days = models.IntegerField(default=0)
    replacement_behavior = models.CharField(max_length=32, default="STANDARD")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    activated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    @property
    def gid(self) -> str:
        return gid("AppSubscription", self.id)


# The commerce records, segments and automatic discounts, and webhook deliveries live in their
# own modules but belong to this app.
from devshop.models.commerce import (  # noqa: E402, F401
    DevCart,
    DevCartLine,
    DevCustomer,
    DevDiscountCode,
    DevDiscountRedemption,
    DevLineItem,
    DevMetafield,
    DevOrder,
    DevProduct,
    DevRefund,
    DevRefundLineItem,
    DevVariant,
)
from devshop.segments.models import DevAutomaticDiscount, DevSegment  # noqa: E402, F401
from devshop.webhooks.models import DevWebhookDelivery  # noqa: E402, F401
