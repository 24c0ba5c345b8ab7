"""What every webhook body is built from: Shopify's example payloads, GIDs, timestamps in the
shop's timezone, money, and the customer fields shared by the customer topics and an order."""

from __future__ import annotations

import functools
import json
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from devshop.webhooks.inputs import AddressData, CustomerData, ShopData

API_VERSION = "2026-07"
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "webhook-schemas"

CENT = Decimal("0.01")


@functools.cache
def example_text(topic: str, api_version: str = API_VERSION) -> str:
    path = SCHEMA_DIR / api_version / "metadatas" / f"{topic}.json"
    return json.dumps(json.loads(path.read_text())["response"])


def example_payload(topic: str, api_version: str = API_VERSION) -> dict[str, Any]:
    """A fresh copy of Shopify's example payload for ``topic``."""
    return json.loads(example_text(topic, api_version))


def gid(kind: str, id_: int) -> str:
    return f"gid://shopify/{kind}/{id_}"


def ts(value: datetime | None, shop: ShopData) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: webhook timestamps need a timezone")
    return value.astimezone(ZoneInfo(shop.iana_timezone)).isoformat(timespec="seconds")


def money(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_EVEN))


def full_name(first: str | None, last: str | None) -> str:
    return " ".join(part for part in (first, last) if part)


def customer_address(address: AddressData, customer: CustomerData) -> dict[str, Any]:
    return {
        "id": address.id,
        "customer_id": customer.id,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "company": address.company,
        "address1": address.address1,
        "address2": address.address2,
        "city": address.city,
        "province": address.province,
        "country": address.country,
        "zip": address.zip,
        "phone": address.phone,
        "name": full_name(customer.first_name, customer.last_name),
        "province_code": address.province_code,
        "country_code": address.country_code,
        "country_name": address.country,
        "default": True,
    }


def customer_fields(shop: ShopData, customer: CustomerData) -> dict[str, Any]:
    """The customer fields shared by the customer topics and an order's ``customer``."""
    fields: dict[str, Any] = {
        "id": customer.id,
        "created_at": ts(customer.created_at, shop),
        "updated_at": ts(customer.updated_at, shop),
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "state": customer.state,
        "note": customer.note,
        "verified_email": customer.verified_email,
        "multipass_identifier": None,
        "tax_exempt": customer.tax_exempt,
        "email": customer.email,
        "phone": customer.phone,
        "currency": shop.currency,
        "tax_exemptions": [],
        "admin_graphql_api_id": gid("Customer", customer.id),
    }
    if customer.address is not None:
        fields["default_address"] = customer_address(customer.address, customer)
    return fields
