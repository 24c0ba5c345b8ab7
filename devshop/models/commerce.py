"""The shop's commerce records: customers and their metafields, products and variants, carts,
orders with their line items and refunds, and discount codes with their redemptions."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from devshop.models import DevShop, gid


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
