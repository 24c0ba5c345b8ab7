"""devshop rows shared by the devshop tests: Alice's shop, its owner and Ada, its customer.

The ids are fixed so tests can name them in URLs and payloads; tests that need another shop
or customer call the ``*_create`` helpers with their own ids.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from devshop import clock
from devshop.models import DevCustomer, DevShop, DevStaffMember

SHOP = "alice-shop.myshopify.com"


def dev_shop_create(
    *,
    id: int = 60_000_000_001,
    domain: str = SHOP,
    name: str = "Alice's Shop",
    email: str = "a@example.com",
) -> DevShop:
    now = clock.now()
    return DevShop.objects.create(
        id=id, domain=domain, name=name, email=email, created_at=now, updated_at=now
    )


def dev_owner_create(shop: DevShop, *, email: str = "a@example.com") -> DevStaffMember:
    """Alice Owner, the shop's account owner (staff id 110_000_000_001)."""
    return DevStaffMember.objects.create(
        id=110_000_000_001,
        shop=shop,
        first_name="Alice",
        last_name="Owner",
        email=email,
        account_owner=True,
    )


def dev_customer_create(
    shop: DevShop, *, age: timedelta = timedelta(0), **fields: Any
) -> DevCustomer:
    """Ada Lovelace unless ``fields`` say otherwise; created ``age`` before now."""
    now = clock.now()
    defaults: dict[str, Any] = {
        "id": 7_300_000_000_001,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
    }
    return DevCustomer.objects.create(
        shop=shop, created_at=now - age, updated_at=now, **{**defaults, **fields}
    )


@pytest.fixture
def dev_shop(db) -> DevShop:
    return dev_shop_create()


@pytest.fixture
def ada(dev_shop) -> DevCustomer:
    return dev_customer_create(dev_shop)
