"""The plain data the webhook builders take (``devshop.webhooks.payloads`` lists the topics).

Money is ``Decimal`` in the shop's currency; datetimes are timezone-aware."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

# --- inputs --------------------------------------------------------------------------------

ZERO = Decimal("0")


@dataclass(frozen=True)
class ShopData:
    id: int
    domain: str  # xxx.myshopify.com
    name: str
    email: str
    currency: str = "USD"
    iana_timezone: str = "UTC"
    plan_name: str = "basic"
    plan_display_name: str = "Basic"
    shop_owner: str = "Shop Owner"
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class AddressData:
    id: int
    address1: str = "151 O'Connor Street"
    address2: str | None = None
    city: str = "Ottawa"
    province: str = "Ontario"
    province_code: str = "ON"
    country: str = "Canada"
    country_code: str = "CA"
    zip: str = "K2P 2L8"
    phone: str = "555-555-5555"
    company: str | None = None


@dataclass(frozen=True)
class CustomerData:
    id: int
    email: str | None
    first_name: str | None
    last_name: str | None
    created_at: datetime
    updated_at: datetime
    phone: str | None = None
    state: str = "enabled"  # enabled, disabled, invited, declined
    note: str | None = None
    verified_email: bool = True
    tax_exempt: bool = False
    address: AddressData | None = None


@dataclass(frozen=True)
class LineItemData:
    id: int
    title: str
    quantity: int
    price: Decimal  # unit price
    sku: str = ""
    product_id: int | None = None
    variant_id: int | None = None
    variant_title: str | None = None
    vendor: str | None = None
    grams: int = 0
    total_discount: Decimal = ZERO
    # (discount application index, amount) per discount on this line; empty: the whole
    # ``total_discount`` belongs to application 0 (an order with one code).
    discount_allocations: Sequence[tuple[int, Decimal]] = ()
    gift_card: bool = False
    requires_shipping: bool = True
    taxable: bool = True


@dataclass(frozen=True)
class DiscountCodeData:
    code: str
    amount: Decimal  # what the code took off this order, in shop money
    type: str = "fixed_amount"  # fixed_amount, percentage, shipping
    value: Decimal | None = None  # the code's value: 10.0 for 10 %; defaults to ``amount``
    target_selection: str = "all"  # all, or entitled (the code's products/variants only)


@dataclass(frozen=True)
class AutomaticDiscountData:
    """An automatic discount applied to the order (before its codes, as devshop applies it)."""

    title: str
    amount: Decimal  # what it took off this order, in shop money
    value_type: str = "percentage"  # percentage, fixed_amount
    value: Decimal = ZERO  # 10.0 for 10 %, else the amount off


@dataclass(frozen=True)
class RefundLineItemData:
    id: int
    line_item_id: int
    quantity: int
    subtotal: Decimal
    total_tax: Decimal = ZERO
    restock_type: str = "no_restock"


@dataclass(frozen=True)
class RefundData:
    id: int
    created_at: datetime
    line_items: Sequence[RefundLineItemData]
    amount: Decimal  # the refund transaction's amount (money returned)
    transaction_id: int
    note: str | None = None
    restock: bool = False
    user_id: int | None = None
    processed_at: datetime | None = None
    gateway: str = "bogus"


@dataclass(frozen=True)
class OrderData:
    id: int
    order_number: int  # 1001, 1002, … (``name`` is "#1001")
    email: str | None
    customer: CustomerData | None
    line_items: Sequence[LineItemData]
    created_at: datetime
    updated_at: datetime
    processed_at: datetime | None = None
    financial_status: str = (
        "paid"  # pending, authorized, paid, partially_refunded, refunded, voided
    )
    fulfillment_status: str | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None  # customer, fraud, inventory, declined, other
    closed_at: datetime | None = None
    discount_codes: Sequence[DiscountCodeData] = ()
    automatic_discounts: Sequence[AutomaticDiscountData] = ()
    refunds: Sequence[RefundData] = ()
    shipping_price: Decimal = ZERO
    total_tax: Decimal = ZERO
    presentment_currency: str | None = None  # defaults to the shop's currency
    presentment_rate: Decimal = Decimal("1")
    note: str | None = None
    note_attributes: Sequence[tuple[str, str]] = ()
    tags: Sequence[str] = ()
    test: bool = False
    source_name: str = "web"
    landing_site: str | None = None
    referring_site: str | None = None
    buyer_accepts_marketing: bool = False
    phone: str | None = None
    browser_ip: str | None = None
    # Where it ships when not to the customer's default address.
    shipping_address: AddressData | None = None


@dataclass(frozen=True)
class BulkOperationData:
    id: int
    status: str  # completed, failed, canceled, expired (lowercase in the webhook)
    type: str  # query, mutation
    created_at: datetime
    completed_at: datetime
    error_code: str | None = None  # access_denied, internal_server_error, timeout


@dataclass(frozen=True)
class AppSubscriptionData:
    id: int
    name: str
    status: str  # PENDING, ACTIVE, DECLINED, EXPIRED, FROZEN, CANCELLED
    created_at: datetime
    updated_at: datetime
    price: Decimal
    currency: str = "USD"
    capped_amount: Decimal | None = None
    interval: str = "every_30_days"  # every_30_days, annual
    plan_handle: str = field(default="")
