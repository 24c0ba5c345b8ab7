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

from decimal import Decimal

from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower

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


class DevCustomer(models.Model):
    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(DevShop, on_delete=models.CASCADE, related_name="customers")
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=255, null=True, blank=True)
    phone = models.CharField(max_length=64, null=True, blank=True)
    state = models.CharField(max_length=16, default="enabled")  # disabled/invited/enabled/declined
    verified_email = models.BooleanField(default=True)
    tags = models.JSONField(default=list, blank=True)
    note = models.TextField(null=True, blank=True)
    amount_spent = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    number_of_orders = models.IntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            # customers(query: "updated_at:>'…'") pages by (updated_at, id).
            models.Index(fields=["shop", "updated_at", "id"], name="devcustomer_shop_updated"),
            models.Index(fields=["shop", "email"], name="devcustomer_shop_email"),
        ]

    def __str__(self) -> str:
        return f"customer {self.id}"

    @property
    def gid(self) -> str:
        return gid("Customer", self.id)


class DevMetafield(models.Model):
    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(DevShop, on_delete=models.CASCADE, related_name="+")
    owner_gid = models.CharField(max_length=128)
    namespace = models.CharField(max_length=255)
    key = models.CharField(max_length=64)
    type = models.CharField(max_length=64)
    value = models.TextField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "owner_gid", "namespace", "key"], name="devmetafield_owner_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner_gid} {self.namespace}.{self.key}"


class DevProduct(models.Model):
    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(DevShop, on_delete=models.CASCADE, related_name="products")
    title = models.CharField(max_length=255)
    handle = models.CharField(max_length=255)
    description = models.TextField(blank=True)  # plain text; the storefront escapes it
    vendor = models.CharField(max_length=255, blank=True)
    gift_card = models.BooleanField(default=False)  # its lines are gift cards (isGiftCard)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            # The storefront's /products/<handle> finds a product by it, as Shopify's does.
            models.UniqueConstraint(fields=["shop", "handle"], name="devproduct_shop_handle"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def gid(self) -> str:
        return gid("Product", self.id)


class DevVariant(models.Model):
    id = models.BigIntegerField(primary_key=True)
    product = models.ForeignKey(DevProduct, on_delete=models.CASCADE, related_name="variants")
    title = models.CharField(max_length=255, default="Default Title")
    sku = models.CharField(max_length=64, blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.product_id}/{self.title}"

    @property
    def gid(self) -> str:
        return gid("ProductVariant", self.id)


class DevCart(models.Model):
    """A storefront cart, found by the ``cart`` cookie's token as on Shopify.

    ``discount_code`` is what ``/discount/CODE`` (or the checkout's field) stored; it is
    checked against the discount's rules only at checkout, as Shopify does.
    """

    token = models.CharField(max_length=64, primary_key=True)
    shop = models.ForeignKey(DevShop, on_delete=models.CASCADE, related_name="carts")
    discount_code = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"cart {self.token[:8]}"


class DevCartLine(models.Model):
    cart = models.ForeignKey(DevCart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(DevVariant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            # Adding a variant again raises its quantity, as Shopify's /cart/add does.
            models.UniqueConstraint(fields=["cart", "variant"], name="devcartline_cart_variant"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant_id}"


class DevOrder(models.Model):
    class FinancialStatus(models.TextChoices):
        PENDING = "pending"
        PAID = "paid"
        PARTIALLY_REFUNDED = "partially_refunded"
        REFUNDED = "refunded"
        VOIDED = "voided"

    id = models.BigIntegerField(primary_key=True)
    shop = models.ForeignKey(DevShop, on_delete=models.CASCADE, related_name="orders")
    number = models.IntegerField()  # order_number; name is "#<number>"
    customer = models.ForeignKey(
        DevCustomer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    email = models.CharField(max_length=255, null=True, blank=True)
    currency = models.CharField(max_length=3)
    financial_status = models.CharField(
        max_length=32, choices=FinancialStatus.choices, default=FinancialStatus.PENDING
    )
    subtotal_price = models.DecimalField(max_digits=14, decimal_places=2)  # after discounts
    total_discounts = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    total_shipping = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    total_tax = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    total_price = models.DecimalField(max_digits=14, decimal_places=2)
    # [{"code", "amount", "type"}] as in the REST payload.
    discount_codes = models.JSONField(default=list, blank=True)
    # Automatic discounts applied, before the code: [{"id", "title", "value_type", "value",
    # "amount", "allocations": [per line item, in line order]}] (amounts as strings).
    automatic_discounts = models.JSONField(default=list, blank=True)
    note_attributes = models.JSONField(default=list, blank=True)  # [{"name", "value"}]
    test = models.BooleanField(default=False)
    source_name = models.CharField(max_length=64, default="web")
    processed_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=32, null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="devorder_shop_number"),
        ]
        indexes = [
            models.Index(fields=["shop", "updated_at", "id"], name="devorder_shop_updated"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def gid(self) -> str:
        return gid("Order", self.id)


class DevLineItem(models.Model):
    id = models.BigIntegerField(primary_key=True)
    order = models.ForeignKey(DevOrder, on_delete=models.CASCADE, related_name="line_items")
    product_id = models.BigIntegerField(null=True, blank=True)
    variant_id = models.BigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=255)
    sku = models.CharField(max_length=64, blank=True)
    quantity = models.IntegerField()
    price = models.DecimalField(max_digits=14, decimal_places=2)  # unit price
    total_discount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    gift_card = models.BooleanField(default=False)  # selling a gift card (no points, no tax)

    def __str__(self) -> str:
        return f"{self.quantity} x {self.title}"


class DevRefund(models.Model):
    id = models.BigIntegerField(primary_key=True)
    order = models.ForeignKey(DevOrder, on_delete=models.CASCADE, related_name="refunds")
    note = models.TextField(null=True, blank=True)
    restock = models.BooleanField(default=True)
    shipping_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    amount = models.DecimalField(max_digits=14, decimal_places=2)  # money returned in total
    created_at = models.DateTimeField()
    processed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"refund {self.id}"


class DevRefundLineItem(models.Model):
    id = models.BigIntegerField(primary_key=True)
    refund = models.ForeignKey(DevRefund, on_delete=models.CASCADE, related_name="line_items")
    line_item = models.ForeignKey(DevLineItem, on_delete=models.CASCADE, related_name="+")
    quantity = models.IntegerField()
    subtotal = models.DecimalField(max_digits=14, decimal_places=2)
    total_tax = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

    def __str__(self) -> str:
        return f"{self.quantity} of {self.line_item_id}"


class DevDiscountCode(models.Model):
    """A code discount (``DiscountCodeNode``) with its single redeem code.

    ``context_*`` is the 2025-10 way to restrict who may use it; the deprecated
    ``customerSelection`` input is stored as given and mapped onto the same columns.
    Deleting keeps the row (``deleted_at``) so the control page can show what happened.
    """

    class Kind(models.TextChoices):
        BASIC = "basic"
        FREE_SHIPPING = "free_shipping"

    class ValueType(models.TextChoices):
        PERCENTAGE = "percentage"  # value is a fraction 0-1
        FIXED_AMOUNT = "fixed_amount"
        FREE_SHIPPING = "free_shipping"

    id = models.BigIntegerField(primary_key=True)
    redeem_code_id = models.BigIntegerField()
    shop = models.ForeignKey(DevShop, on_delete=models.CASCADE, related_name="discount_codes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=255)
    code = models.CharField(max_length=255)
    value_type = models.CharField(max_length=16, choices=ValueType.choices)
    value = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    applies_on_each_item = models.BooleanField(default=False)
    context_all = models.BooleanField(default=True)
    context_customer_ids = models.JSONField(default=list, blank=True)  # numeric ids
    customer_selection = models.JSONField(null=True, blank=True)  # deprecated input, as given
    usage_limit = models.IntegerField(null=True, blank=True)
    applies_once_per_customer = models.BooleanField(default=False)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    minimum_subtotal = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    minimum_quantity = models.IntegerField(null=True, blank=True)
    # What it applies to (``customerGets.items``): every line, or only these products and
    # variants (numeric ids). ``quantity_limit`` is ``discountOnQuantity.quantity``: how many
    # units of the entitled items it discounts per order (a free product is 1 at 100 %).
    items_all = models.BooleanField(default=True)
    item_product_ids = models.JSONField(default=list, blank=True)
    item_variant_ids = models.JSONField(default=list, blank=True)
    quantity_limit = models.IntegerField(null=True, blank=True)
    combines_with = models.JSONField(default=dict, blank=True)
    maximum_shipping_price = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    usage_count = models.IntegerField(default=0)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Shopify's codes are unique per shop, case-insensitively (duplicate → TAKEN).
            models.UniqueConstraint(
                "shop",
                Lower("code"),
                condition=Q(deleted_at__isnull=True),
                name="devdiscount_shop_code",
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def gid(self) -> str:
        return gid("DiscountCodeNode", self.id)


class DevDiscountRedemption(models.Model):
    """One use of a code by an order (``appliesOncePerCustomer`` looks up the customer here)."""

    discount = models.ForeignKey(DevDiscountCode, on_delete=models.CASCADE, related_name="uses")
    order = models.ForeignKey(DevOrder, on_delete=models.CASCADE, related_name="+")
    customer_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.discount_id} on {self.order_id}"


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


# Webhook delivery state, segments and automatic discounts live with their own code; imported
# here so Django registers them.
from devshop.segments.models import DevAutomaticDiscount, DevSegment  # noqa: E402, F401
from devshop.webhooks.models import DevWebhookDelivery  # noqa: E402, F401
