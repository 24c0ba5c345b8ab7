"""factory_boy factories shared by the whole suite. Use ``.build()`` when no row is needed."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils.timezone import now

from shopify_app.models import Customer, Order, Shop


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop
        django_get_or_create = ("domain",)

    domain = factory.Sequence(lambda n: f"shop-{n}.myshopify.com")
    shopify_id = factory.Sequence(lambda n: 1000 + n)
    name = factory.Sequence(lambda n: f"Shop {n}")
    currency = "USD"
    timezone = "America/New_York"
    scopes = "read_customers,write_customers,read_orders,read_discounts,write_discounts"
    installed_at = factory.LazyFunction(now)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    shop = factory.SubFactory(ShopFactory)
    shopify_id = factory.Sequence(lambda n: 7_000_000_000 + n)
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    first_name = "Ada"
    last_name = "Lovelace"
    state = "enabled"
    shopify_updated_at = factory.LazyFunction(now)


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    shop = factory.SubFactory(ShopFactory)
    shopify_id = factory.Sequence(lambda n: 5_000_000_000 + n)
    customer = factory.SubFactory(CustomerFactory, shop=factory.SelfAttribute("..shop"))
    customer_shopify_id = factory.SelfAttribute("customer.shopify_id")
    name = factory.Sequence(lambda n: f"#{1001 + n}")
    currency = "USD"
    financial_status = "paid"
    subtotal_price = Decimal("100.00")
    total_price = Decimal("110.00")
    current_total_price = Decimal("110.00")
    current_subtotal_price = Decimal("100.00")
    processed_at = factory.LazyFunction(now)
    shopify_updated_at = factory.LazyFunction(now)


# --- loyalty ---------------------------------------------------------------------------------


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "loyalty.Member"

    shop = factory.SubFactory(ShopFactory)
    customer = factory.SubFactory(CustomerFactory, shop=factory.SelfAttribute("..shop"))
    joined_at = factory.LazyFunction(now)
    last_activity_at = factory.LazyFunction(now)


class EarningRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "loyalty.EarningRule"

    shop = factory.SubFactory(ShopFactory)
    kind = "custom"
    handle = factory.Sequence(lambda n: f"action-{n}")
    name = factory.LazyAttribute(lambda r: f"{r.kind} {r.handle}".strip())
    points = 50
    limit = "once"


class RewardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "loyalty.Reward"

    shop = factory.SubFactory(ShopFactory)
    kind = "fixed_amount"
    name = "$5 off"
    points_cost = 500
    amount = Decimal("5.00")
