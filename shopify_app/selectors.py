"""Reads of the Shopify edge's data. Every selector takes the shop: no query crosses shops."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from shopify_app.models import (
    Customer,
    CustomerDataExport,
    Order,
    Shop,
    SyncRun,
    WebhookDelivery,
)


def customer_get(*, shop: Shop, shopify_id: int) -> Customer | None:
    return Customer.objects.filter(shop=shop, shopify_id=shopify_id).first()


def customer_get_by_email(*, shop: Shop, email: str) -> Customer | None:
    return Customer.objects.filter(shop=shop, email__iexact=email).order_by("pk").first()


def order_get(*, shop: Shop, shopify_id: int) -> Order | None:
    return Order.objects.filter(shop=shop, shopify_id=shopify_id).first()


def order_list_for_privacy(
    *, shop: Shop, customer_shopify_id: int | None, order_shopify_ids: Sequence[int]
) -> list[Order]:
    """The customer's orders plus the orders a privacy request names, with their refunds."""
    condition = Q(shopify_id__in=list(order_shopify_ids))
    if customer_shopify_id is not None:
        condition |= Q(customer_shopify_id=customer_shopify_id)
    return list(
        Order.objects.filter(condition, shop=shop).prefetch_related("refunds").order_by("pk")
    )


def webhook_delivery_list(*, shop: Shop, status: str | None = None) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.filter(shop=shop)
    if status is not None:
        deliveries = deliveries.filter(status=status)
    return deliveries.order_by("-received_at")


def customer_data_export_list(*, shop: Shop) -> QuerySet[CustomerDataExport]:
    return CustomerDataExport.objects.filter(shop=shop).order_by("-created_at")


def customer_data_export_get(*, shop: Shop, export_id: int) -> CustomerDataExport | None:
    return CustomerDataExport.objects.filter(shop=shop, pk=export_id).first()


def customer_export(customer: Customer) -> dict[str, Any]:
    """A mirrored customer as it appears in a privacy export."""
    return {
        "shopify_id": customer.shopify_id,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone": customer.phone,
        "state": customer.state,
        "tags": customer.tags,
        "amount_spent": None if customer.amount_spent is None else str(customer.amount_spent),
        "number_of_orders": customer.number_of_orders,
        "created_at": iso(customer.shopify_created_at),
        "updated_at": iso(customer.shopify_updated_at),
        "deleted_at": iso(customer.deleted_at),
    }


def order_export(order: Order) -> dict[str, Any]:
    """A mirrored order (and its refunds) as it appears in a privacy export."""
    return {
        "shopify_id": order.shopify_id,
        "name": order.name,
        "email": order.email,
        "currency": order.currency,
        "financial_status": order.financial_status,
        "total_price": str(order.total_price),
        "current_total_price": str(order.current_total_price),
        "discount_codes": order.discount_codes,
        "note_attributes": order.note_attributes,
        "line_items": order.line_items,
        "processed_at": iso(order.processed_at),
        "cancelled_at": iso(order.cancelled_at),
        "refunds": [
            {
                "shopify_id": refund.shopify_id,
                "amount": str(refund.amount),
                "processed_at": iso(refund.processed_at),
            }
            for refund in order.refunds.all()
        ],
    }


def iso(value: Any) -> str | None:
    """A datetime or date as ISO 8601 for an export, None kept."""
    return None if value is None else value.isoformat()


def customer_emails(*, shop: Shop, customer_shopify_id: int | None, email: str | None) -> set[str]:
    """The emails a compliance request names a customer by: the request's own and the one we
    mirrored for its customer id, trimmed and lowercased (each app's exporter and redactor
    matches its rows on these)."""
    emails = {email.strip().lower()} if email and email.strip() else set()
    if customer_shopify_id is not None:
        mirrored = (
            Customer.objects.filter(shop=shop, shopify_id=customer_shopify_id)
            .values_list("email", flat=True)
            .first()
        )
        if mirrored and mirrored.strip():
            emails.add(mirrored.strip().lower())
    return emails


def sync_initial_runs(*, shop: Shop) -> list[SyncRun]:
    """The shop's latest initial run of each resource (the onboarding's progress bar)."""
    latest: dict[str, SyncRun] = {}
    runs = SyncRun.objects.filter(shop=shop, kind=SyncRun.Kind.INITIAL).order_by("-created_at")
    for run in runs[:20]:
        latest.setdefault(run.resource, run)
    return [latest[r] for r in sorted(latest)]


def sync_run_fraction(run: SyncRun) -> float:
    """How far a run is, 0 to 1: nothing is known while Shopify runs the bulk operation (it
    reports no total before it completes), then the share of the result file imported."""
    if run.status == SyncRun.Status.COMPLETED:
        return 1.0
    if run.status == SyncRun.Status.IMPORTING and run.file_size:
        return min(run.bytes_offset / run.file_size, 1.0)
    return 0.0
