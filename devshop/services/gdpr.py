"""The privacy requests a merchant (or Shopify for them) makes: they only send webhooks."""

from __future__ import annotations

import secrets

from devshop.models import DevCustomer, DevShop
from devshop.services.events import emit


def _order_ids(customer: DevCustomer) -> list[int]:
    return list(customer.orders.order_by("id").values_list("id", flat=True))


def customer_data_request(*, customer: DevCustomer) -> int:
    """Send ``customers/data_request`` for ``customer``; returns the data request id."""
    request_id = 1_000_000_000 + secrets.randbelow(9_000_000_000)  # Shopify-sized, unique enough
    emit(
        customer.shop,
        "customers/data_request",
        {
            "customer": customer,
            "orders_requested": _order_ids(customer),
            "data_request_id": request_id,
        },
    )
    return request_id


def customer_redact(*, customer: DevCustomer) -> None:
    """Send ``customers/redact`` for ``customer`` and their orders (devshop keeps the rows)."""
    emit(
        customer.shop,
        "customers/redact",
        {"customer": customer, "orders_to_redact": _order_ids(customer)},
    )


def shop_redact(*, shop: DevShop) -> None:
    """Send ``shop/redact`` (Shopify does so 48 h after an uninstall)."""
    emit(shop, "shop/redact", shop)
