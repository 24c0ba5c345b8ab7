"""The mirrors' side of deletion and privacy: a customer deleted in Shopify, and the erasure of
a customer's (or orders') personal data for ``customers/redact``.

Both write tombstones through the same ``ON CONFLICT`` upsert as ``mirror``'s writers, so a
late ``customers/create`` or a replayed update lands on a row that stays deleted or redacted
(``mirror``'s upserts never write personal data back to a redacted customer).
"""

# S608: the SQL below interpolates only table names taken from the models and placeholder
# lists; every value is a bound parameter.
# ruff: noqa: S608
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from shopify_app.models import Shop
from shopify_app.services.mirror import _CUSTOMER, _ORDER, _execute, _in_list, _state_changed


@transaction.atomic
def customer_delete(*, shop: Shop, shopify_id: int, deleted_at: datetime | None = None) -> None:
    """Mark the customer deleted in Shopify (``customers/delete``); the row stays for history.

    When the customer was never mirrored a tombstone row is written, so a ``customers/create``
    delivered late still lands on a deleted customer. Idempotent: the first ``deleted_at`` stays.
    """
    now = timezone.now()
    _execute(
        f"INSERT INTO {_CUSTOMER} AS t (shop_id, shopify_id, state, tags, deleted_at,"
        " created_at, updated_at) VALUES (%s, %s, '', '[]', %s, %s, %s)"
        " ON CONFLICT (shop_id, shopify_id) DO UPDATE SET"
        " deleted_at = COALESCE(t.deleted_at, excluded.deleted_at),"
        " updated_at = excluded.updated_at",
        [shop.pk, shopify_id, deleted_at or now, now, now],
    )
    _state_changed(shop=shop, shopify_ids=[shopify_id])


@transaction.atomic
def customer_redact(*, shop: Shop, shopify_id: int, order_shopify_ids: Sequence[int] = ()) -> None:
    """Erase a customer's personal data from the mirrors (``customers/redact``).

    Nulls the customer's email, names and phone and sets ``redacted_at`` (a tombstone row if
    never mirrored, so no later upsert brings the data back); nulls the email and clears the
    note attributes (free text) of the customer's orders and of ``order_shopify_ids``. Amounts
    and ids stay: the loyalty ledger's totals remain consistent. Idempotent.
    """
    now = timezone.now()
    _execute(
        f"INSERT INTO {_CUSTOMER} AS t (shop_id, shopify_id, state, tags, redacted_at,"
        " created_at, updated_at) VALUES (%s, %s, '', '[]', %s, %s, %s)"
        " ON CONFLICT (shop_id, shopify_id) DO UPDATE SET email = NULL, first_name = NULL,"
        " last_name = NULL, phone = NULL, tags = '[]',"
        " redacted_at = COALESCE(t.redacted_at, excluded.redacted_at),"
        " updated_at = excluded.updated_at",
        [shop.pk, shopify_id, now, now, now],
    )
    _state_changed(shop=shop, shopify_ids=[shopify_id])
    _orders_redact(shop=shop, customer_shopify_id=shopify_id, order_shopify_ids=order_shopify_ids)


@transaction.atomic
def orders_redact(*, shop: Shop, order_shopify_ids: Sequence[int]) -> None:
    """Erase the personal data of orders (a ``customers/redact`` naming no customer id)."""
    _orders_redact(shop=shop, customer_shopify_id=None, order_shopify_ids=order_shopify_ids)


def _orders_redact(
    *, shop: Shop, customer_shopify_id: int | None, order_shopify_ids: Sequence[int]
) -> None:
    """Null the email and clear the note attributes (free text) of the matching orders."""
    conditions: list[str] = []
    params: list[Any] = [timezone.now(), shop.pk]
    if customer_shopify_id is not None:
        conditions.append("customer_shopify_id = %s")
        params.append(customer_shopify_id)
    if order_shopify_ids:
        conditions.append(f"shopify_id IN ({_in_list(order_shopify_ids)})")
        params += list(order_shopify_ids)
    if not conditions:
        return
    _execute(
        f"UPDATE {_ORDER} SET email = NULL, note_attributes = '{{}}', updated_at = %s"
        f" WHERE shop_id = %s AND ({' OR '.join(conditions)})",
        params,
    )
