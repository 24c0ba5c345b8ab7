"""Django admin for the Shopify edge (operators only; merchants use the embedded admin).

Sections (each helper adds its own ModelAdmin below the others):
- Shop and ShopCredential: installation state, and whether the app can still reach the shop
  (no credential = the merchant must reopen the app). Tokens are never shown.
- WebhookDelivery: the inbox; failed deliveries are filtered and replayed from here.
- CustomerDataExport: the exports ``customers/data_request`` produced, downloadable as JSON.
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse

from config.tasks import WORKER_HEARTBEAT_MAX_AGE_S, worker_heartbeat_age, worker_status
from shopify_app.models import CustomerDataExport, Shop, ShopCredential, WebhookDelivery
from shopify_app.services.webhooks import (
    INBOX_OVERDUE_MAX_S,
    inbox_overdue_seconds,
    webhook_delivery_replay,
)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("received_at", "shop", "topic", "status", "attempts", "webhook_id")
    list_filter = ("status", "topic")
    search_fields = ("webhook_id", "event_id", "shop__domain")
    list_select_related = ("shop",)
    # The raw body is shown as the JSON it is (the exact bytes stay in the row).
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields if f.name != "body"]
    readonly_fields.append("body_json")
    exclude = ("body",)
    actions = ("replay",)

    @admin.display(description="Body")
    def body_json(self, obj: WebhookDelivery) -> str:
        try:
            return json.dumps(obj.payload, indent=2, ensure_ascii=False)
        except ValueError:
            return bytes(obj.body).decode("utf-8", errors="replace")

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """Warn above the inbox when no worker is consuming (the inbox would only grow) or when
        due deliveries wait past ``INBOX_OVERDUE_MAX_S``."""
        try:
            age = worker_heartbeat_age()
        except Exception:  # the broker is down: the page must still open
            age = None
        status = worker_status(age)
        if status != "ok":
            seen = "never" if age is None else f"{age:.0f} s ago"
            self.message_user(
                request,
                f"No worker is processing: last heartbeat {seen} (alert above "
                f"{WORKER_HEARTBEAT_MAX_AGE_S:.0f} s). Check the Celery workers and beat.",
                messages.ERROR,
            )
        overdue = inbox_overdue_seconds()
        if overdue > INBOX_OVERDUE_MAX_S:
            self.message_user(
                request,
                f"Deliveries are waiting: the oldest due one {overdue:.0f} s past its time (alert "
                f"above {INBOX_OVERDUE_MAX_S:.0f} s). Check the workers of the webhooks queue.",
                messages.ERROR,
            )
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rows come only from Shopify

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # inspect and replay; never edit what Shopify sent

    @admin.action(description="Replay the selected failed or ignored deliveries")
    def replay(self, request: HttpRequest, queryset) -> None:
        replayed = sum(webhook_delivery_replay(delivery=d) for d in queryset)
        skipped = queryset.count() - replayed
        self.message_user(request, f"Replayed {replayed} deliveries.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"Skipped {skipped} pending or done deliveries (replaying done work would "
                "apply it twice).",
                messages.WARNING,
            )


@admin.register(CustomerDataExport)
class CustomerDataExportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "shop", "data_request_id", "customer_shopify_id")
    search_fields = ("shop__domain", "customer_shopify_id", "email")
    list_select_related = ("shop",)
    readonly_fields = [f.name for f in CustomerDataExport._meta.fields]
    actions = ("download",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Download the selected exports as JSON")
    def download(self, request: HttpRequest, queryset) -> HttpResponse:
        exports = [
            {
                "shop": e.shop.domain,
                "data_request_id": e.data_request_id,
                "customer_shopify_id": e.customer_shopify_id,
                "created_at": e.created_at.isoformat(),
                "data": e.data,
            }
            for e in queryset.select_related("shop")
        ]
        response = HttpResponse(json.dumps(exports, indent=2), content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="customer-data-exports.json"'
        return response


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("domain", "name", "installed", "access", "app_plan", "installed_at")
    list_filter = ("uninstalled_at", "app_plan")
    search_fields = ("domain", "name")
    list_select_related = ("credential",)
    readonly_fields = ("domain", "shopify_id", "scopes", "installed_at", "uninstalled_at")

    @admin.display(boolean=True)
    def installed(self, shop: Shop) -> bool:
        return shop.is_installed

    @admin.display(description="Admin API access")
    def access(self, shop: Shop) -> str:
        try:
            credential = shop.credential
        except ShopCredential.DoesNotExist:
            credential = None
        if credential is None:
            return "none: the merchant must reopen the app" if shop.is_installed else "none"
        if credential.expires_at is None:
            return "non-expiring token (migrate to expiring)"
        until = credential.refresh_token_expires_at
        return (
            f"expiring token; refresh token valid until {until:%Y-%m-%d}" if until else "expiring"
        )


@admin.register(ShopCredential)
class ShopCredentialAdmin(admin.ModelAdmin):
    # The ciphertexts are left out on purpose: an operator never needs to see a token.
    fields = ("shop", "scopes", "expires_at", "refresh_token_expires_at", "version", "updated_at")
    readonly_fields = fields
    list_display = ("shop", "expires_at", "refresh_token_expires_at", "version", "updated_at")
    list_select_related = ("shop",)
    search_fields = ("shop__domain",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # credentials come only from Shopify
