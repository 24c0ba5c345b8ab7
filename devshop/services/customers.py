"""Customers, their tags and metafields."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from devshop import clock, conf
from devshop.exceptions import DevshopError
from devshop.models import DevCustomer, DevMetafield, DevSequence, DevShop
from devshop.services.events import emit

_EDITABLE = {"first_name", "last_name", "email", "phone", "state", "note", "tags", "verified_email"}


def customer_create(
    *,
    shop: DevShop,
    first_name: str = "",
    last_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    tags: Iterable[str] = (),
    note: str | None = None,
    state: str = "enabled",
) -> DevCustomer:
    """Create a customer and send ``customers/create``. Raises DevshopError on a taken email."""
    if email and DevCustomer.objects.filter(shop=shop, email__iexact=email).exists():
        raise DevshopError(f"Email {email} has already been taken", code="TAKEN")
    now = clock.now()
    customer = DevCustomer.objects.create(
        id=DevSequence.allocate("Customer"),
        shop=shop,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        tags=_clean_tags(tags),
        note=note,
        state=state,
        created_at=now,
        updated_at=now,
    )
    emit(shop, "customers/create", customer)
    return customer


def customer_update(*, customer: DevCustomer, **changes: Any) -> DevCustomer:
    """Change a customer's editable fields and send ``customers/update``."""
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise DevshopError(f"cannot change {sorted(unknown)} on a customer")
    for name, value in changes.items():
        setattr(customer, name, _clean_tags(value) if name == "tags" else value)
    customer.updated_at = clock.now()
    customer.save()
    emit(customer.shop, "customers/update", customer)
    return customer


def customer_delete(*, customer: DevCustomer) -> None:
    """Delete a customer (their orders keep existing without one) and send ``customers/delete``."""
    shop, customer_id = customer.shop, customer.id
    with transaction.atomic():
        DevMetafield.objects.filter(shop=shop, owner_gid=customer.gid).delete()
        customer.delete()
    emit(shop, "customers/delete", customer_id)


def _clean_tags(tags: Iterable[str] | str) -> list[str]:
    """Shopify trims tags, drops empties and duplicates (case-insensitively) and sorts them."""
    if isinstance(tags, str):
        tags = tags.split(",")
    seen: dict[str, str] = {}
    for tag in tags:
        tag = tag.strip()
        if tag and tag.lower() not in seen:
            seen[tag.lower()] = tag
    return sorted(seen.values(), key=str.lower)


@transaction.atomic
def customer_tags_change(
    *, customer: DevCustomer, add: Iterable[str] = (), remove: Iterable[str] = ()
) -> DevCustomer:
    """``tagsAdd`` / ``tagsRemove`` on a customer; sends ``customers/update`` when tags change."""
    row = DevCustomer.objects.select_for_update().get(pk=customer.pk)
    removed = {t.lower() for t in _clean_tags(remove)}
    tags = [t for t in row.tags if t.lower() not in removed]
    updated = _clean_tags([*tags, *_clean_tags(add)])
    if updated != row.tags:
        row.tags = updated
        row.updated_at = clock.now()
        row.save(update_fields=["tags", "updated_at"])
        emit(row.shop, "customers/update", row)
    return row


# --- metafields ---------------------------------------------------------------------------

MAX_METAFIELDS_PER_CALL = 25
KNOWN_TYPES = {
    "single_line_text_field",
    "multi_line_text_field",
    "number_integer",
    "number_decimal",
    "boolean",
    "json",
    "date",
    "date_time",
    "url",
    "color",
}


@dataclass
class MetafieldInputError:
    index: int
    field: str
    message: str
    code: str


def compare_digest(value: str) -> str:
    """``Metafield.compareDigest``: a digest of the stored value, for compare-and-set."""
    return hashlib.sha256(value.encode()).hexdigest()


def resolve_namespace(namespace: str | None) -> str:
    """``None`` → the app's reserved namespace; ``$app:loyalty`` → ``app--<app id>--loyalty``."""
    app = f"app--{conf.app_numeric_id()}"
    if namespace is None or namespace == "$app":
        return app
    if namespace.startswith("$app:"):
        return f"{app}--{namespace.removeprefix('$app:')}"
    return namespace


def _value_error(type_: str, value: str) -> str | None:
    try:
        if type_ == "number_integer":
            int(value)
        elif type_ == "number_decimal":
            Decimal(value)
        elif type_ == "boolean" and value not in {"true", "false"}:
            return "Value must be true or false."
        elif type_ == "json":
            json.loads(value)
    except (ValueError, InvalidOperation):
        return f"Value must be a valid {type_}."
    return None


@transaction.atomic
def metafields_set(
    *, shop: DevShop, inputs: list[dict[str, Any]], owner_exists: Any
) -> tuple[list[DevMetafield], list[MetafieldInputError]]:
    """Upsert up to 25 metafields atomically: any error writes nothing.

    ``owner_exists(gid)`` says whether an owner GID names a record of this shop.
    ``compareDigest`` makes a write conditional on the stored value's digest (``None`` =
    the metafield must not exist yet): Shopify's compare-and-set.
    """
    errors: list[MetafieldInputError] = []
    plans: list[tuple[dict[str, Any], str, DevMetafield | None]] = []
    for index, item in enumerate(inputs):
        namespace = resolve_namespace(item.get("namespace"))
        key = item["key"]
        owner = item["ownerId"]
        existing = (
            DevMetafield.objects.select_for_update()
            .filter(shop=shop, owner_gid=owner, namespace=namespace, key=key)
            .first()
        )
        type_ = item.get("type") or (existing.type if existing else None)
        if not owner_exists(owner):
            errors.append(MetafieldInputError(index, "ownerId", "Owner does not exist.", "INVALID"))
        elif len(key) < 2:
            errors.append(
                MetafieldInputError(
                    index, "key", "Key is too short (minimum is 2 characters).", "TOO_SHORT"
                )
            )
        elif len(key) > 64:
            errors.append(
                MetafieldInputError(
                    index, "key", "Key is too long (maximum is 64 characters).", "TOO_LONG"
                )
            )
        elif not type_:
            errors.append(MetafieldInputError(index, "type", "Type can't be blank.", "BLANK"))
        elif type_ not in KNOWN_TYPES:
            errors.append(
                MetafieldInputError(
                    index, "type", f"Type '{type_}' is not a valid type.", "INVALID_TYPE"
                )
            )
        elif (problem := _value_error(type_, item["value"])) is not None:
            errors.append(MetafieldInputError(index, "value", problem, "INVALID_VALUE"))
        elif "compareDigest" in item and (
            (item["compareDigest"] is None and existing is not None)
            or (
                item["compareDigest"] is not None
                and (existing is None or compare_digest(existing.value) != item["compareDigest"])
            )
        ):
            errors.append(
                MetafieldInputError(
                    index,
                    "compareDigest",
                    "The resource has been updated since it was loaded. Try again with an "
                    "updated `compareDigest` value.",
                    "STALE_OBJECT",
                )
            )
        else:
            plans.append(({**item, "namespace": namespace, "type": type_}, owner, existing))
    if errors:
        return [], errors
    now = clock.now()
    written = []
    for item, owner, existing in plans:
        if existing is None:
            existing = DevMetafield.objects.create(
                id=DevSequence.allocate("Metafield"),
                shop=shop,
                owner_gid=owner,
                namespace=item["namespace"],
                key=item["key"],
                type=item["type"],
                value=item["value"],
                created_at=now,
                updated_at=now,
            )
        else:
            existing.type = item["type"]
            existing.value = item["value"]
            existing.updated_at = now
            existing.save(update_fields=["type", "value", "updated_at"])
        written.append(existing)
    return written, []
