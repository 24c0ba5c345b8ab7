"""Compliance: what we hold about a customer, exported or erased on Shopify's request.

Every app that stores data about a customer registers two functions here (in its
``AppConfig.ready()``), so ``customers/data_request`` and ``customers/redact`` cover all of it:

- an **exporter** ``exporter(*, shop, customer_shopify_id, email, order_shopify_ids) -> dict``
  returning that app's data (JSON-serialisable) under its own keys — members, ledger,
  referrals, discount codes…;
- a **redactor** ``redactor(*, shop, customer_shopify_id, email, order_shopify_ids) -> None``
  erasing that app's personal data while keeping anonymised totals (a ledger keeps its
  amounts; names, emails and free text go).

Each app also declares, for each of its models that holds data about a customer, how the
pair covers it (``covers``: what the export shows and what redaction erases), or why the model
holds nothing personal after all (``exempt``). ``tests/test_privacy_coverage.py`` walks every
model of every project app and fails on a model with a customer link or a PII-looking field
that no app declared, so a later model cannot slip past the compliance webhooks.

``shopify_app`` registers the mirrors' pair first; redaction runs the other apps' redactors
before the mirrors' (their rows hang off the mirrored customer, whose email they may need).
The data request's export is stored as a ``CustomerDataExport`` row the store owner downloads
(Django admin, and the embedded admin through the selectors); nothing goes in the webhook
response (shopify-platform.md §6).

The webhook inbox keeps each delivery's body as Shopify sent it, personal data included. It is
not searched per request: every inbox row is deleted 28 days after it arrived
(``services.webhooks.RETENTION``), so bodies received before a ``customers/redact`` are gone
within the 30 days Shopify allows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from shopify_app import selectors
from shopify_app.models import CustomerDataExport, Shop
from shopify_app.services import mirror_erasure

Exporter = Callable[..., dict[str, Any]]
Redactor = Callable[..., None]

_exporters: dict[str, Exporter] = {}
_redactors: dict[str, Redactor] = {}


@dataclass(frozen=True)
class ModelCoverage:
    app_label: str
    covered: bool  # True: exported and redacted by the app's pair; False: exempt
    how: str  # what the pair does with the model's rows, or why it holds nothing personal


_coverage: dict[str, ModelCoverage] = {}


def register_privacy(
    app_label: str,
    *,
    exporter: Exporter,
    redactor: Redactor,
    covers: Mapping[str, str] | None = None,
    exempt: Mapping[str, str] | None = None,
) -> None:
    """Register ``app_label``'s exporter and redactor (re-registering replaces them).

    ``covers`` and ``exempt`` map model labels (``"loyalty.Member"``) to a sentence: what the
    exporter and redactor do with that model, or why it holds no customer's personal data.
    Raises ``ValueError`` when another app has declared one of the models already.
    """
    covers, exempt = covers or {}, exempt or {}
    if both := set(covers) & set(exempt):
        raise ValueError(f"{sorted(both)} cannot be both covered and exempt")
    declared = {
        **{label: ModelCoverage(app_label, True, how) for label, how in covers.items()},
        **{label: ModelCoverage(app_label, False, why) for label, why in exempt.items()},
    }
    for label in declared:
        owner = _coverage.get(label)
        if owner is not None and owner.app_label != app_label:
            raise ValueError(f"{label} is already declared by {owner.app_label}")
    for label in [k for k, v in _coverage.items() if v.app_label == app_label]:
        del _coverage[label]
    _coverage.update(declared)
    _exporters[app_label] = exporter
    _redactors[app_label] = redactor


def model_coverage() -> dict[str, ModelCoverage]:
    """Every model label some app declared, with how it is covered (or why it is exempt)."""
    return dict(_coverage)


def _customer_id(*, shop: Shop, customer_shopify_id: int | None, email: str | None) -> int | None:
    """The request names the customer by id; fall back to the email we mirrored."""
    if customer_shopify_id is not None or not email:
        return customer_shopify_id
    customer = selectors.customer_get_by_email(shop=shop, email=email)
    return customer.shopify_id if customer else None


def customer_data_export(
    *,
    shop: Shop,
    customer_shopify_id: int | None,
    email: str | None,
    order_shopify_ids: Sequence[int],
    data_request_id: int | None,
) -> CustomerDataExport:
    """Collect every registered app's data on the customer into a ``CustomerDataExport`` row.

    Idempotent per ``(shop, data_request_id)``: a repeated request replaces the stored export
    with a fresh one instead of adding another. An unknown customer gives an export whose
    sections are empty (we hold nothing), which is the truthful answer.
    """
    customer_shopify_id = _customer_id(
        shop=shop, customer_shopify_id=customer_shopify_id, email=email
    )
    data = {
        label: exporter(
            shop=shop,
            customer_shopify_id=customer_shopify_id,
            email=email,
            order_shopify_ids=list(order_shopify_ids),
        )
        for label, exporter in _exporters.items()
    }
    with transaction.atomic():
        export, _ = CustomerDataExport.objects.update_or_create(
            shop=shop,
            data_request_id=data_request_id,
            defaults={
                "customer_shopify_id": customer_shopify_id,
                "email": email,
                "data": data,
                "created_at": timezone.now(),
            },
        )
    return export


def customer_redact(
    *,
    shop: Shop,
    customer_shopify_id: int | None,
    email: str | None,
    order_shopify_ids: Sequence[int],
) -> None:
    """Run every registered redactor for the customer. Idempotent.

    The other apps' redactors run before the mirrors' (registered first): their rows hang off
    the mirrored customer, and they may need its email to find them (an import report names
    customers by email). Pending data exports of the customer are deleted too: they are
    personal data.
    """
    customer_shopify_id = _customer_id(
        shop=shop, customer_shopify_id=customer_shopify_id, email=email
    )
    with transaction.atomic():
        for redactor in reversed(list(_redactors.values())):
            redactor(
                shop=shop,
                customer_shopify_id=customer_shopify_id,
                email=email,
                order_shopify_ids=list(order_shopify_ids),
            )
        if customer_shopify_id is not None:
            CustomerDataExport.objects.filter(
                shop=shop, customer_shopify_id=customer_shopify_id
            ).delete()


# --- the mirrors' pair -----------------------------------------------------------------------

MIRROR_COVERS = {
    "shopify_app.Customer": "exported whole; redaction nulls email, names and phone, clears "
    "the tags and keeps a tombstone (redacted_at) so no later upsert brings them back",
    "shopify_app.Order": "exported with line items and note attributes; redaction nulls the "
    "email and clears the note attributes, keeping the amounts the ledger was computed from",
    "shopify_app.Refund": "exported with its order; amounts and line item ids, nothing to erase",
    "shopify_app.CustomerDataExport": "the export itself; deleted by customers/redact",
}
MIRROR_EXEMPT = {
    "shopify_app.Shop": "the merchant's shop (its name and contact email), not a customer's; "
    "deleted by shop/redact",
    "shopify_app.WebhookDelivery": "bodies are kept as sent and every row is deleted 28 days "
    "after it arrived (services.webhooks.RETENTION), inside Shopify's 30 days",
}


def mirror_export(
    *,
    shop: Shop,
    customer_shopify_id: int | None,
    email: str | None,
    order_shopify_ids: list[int],
) -> dict[str, Any]:
    """The Customer row and the orders (and their refunds) we mirrored for the customer."""
    customer = (
        selectors.customer_get(shop=shop, shopify_id=customer_shopify_id)
        if customer_shopify_id is not None
        else None
    )
    orders = selectors.order_list_for_privacy(
        shop=shop, customer_shopify_id=customer_shopify_id, order_shopify_ids=order_shopify_ids
    )
    return {
        "customer": selectors.customer_export(customer) if customer else None,
        "orders": [selectors.order_export(order) for order in orders],
    }


def mirror_redact(
    *,
    shop: Shop,
    customer_shopify_id: int | None,
    email: str | None,
    order_shopify_ids: list[int],
) -> None:
    if customer_shopify_id is not None:
        mirror_erasure.customer_redact(
            shop=shop, shopify_id=customer_shopify_id, order_shopify_ids=order_shopify_ids
        )
    elif order_shopify_ids:
        mirror_erasure.orders_redact(shop=shop, order_shopify_ids=order_shopify_ids)
