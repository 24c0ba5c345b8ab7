"""Django admin for operators: read-mostly. The ledger is append-only, so entries, lots and
allocations are read-only here; balances change only through the services."""

from django.contrib import admin

from loyalty.models import (
    EarningRule,
    ImportBatch,
    Member,
    Notification,
    PointsTransaction,
    ProgramSettings,
    Redemption,
    Reward,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgramSettings)
class ProgramSettingsAdmin(admin.ModelAdmin):
    list_display = ("shop", "enabled", "points_per_unit", "hold_days", "expiry_mode")


@admin.register(EarningRule)
class EarningRuleAdmin(admin.ModelAdmin):
    list_display = ("shop", "kind", "network", "handle", "points", "limit", "active")
    list_filter = ("kind", "active")


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ("shop", "name", "kind", "points_cost", "active")
    list_filter = ("kind", "active")


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ("shop", "customer", "balance", "pending", "lifetime_earned", "state")
    list_filter = ("state",)
    search_fields = ("customer__email",)


@admin.register(PointsTransaction)
class PointsTransactionAdmin(ReadOnlyAdmin):
    list_display = ("shop", "member", "amount", "kind", "status", "idempotency_key", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("idempotency_key",)


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ("shop", "code", "member", "points", "status", "attempts", "created_at")
    list_filter = ("status",)
    search_fields = ("code",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("shop", "member", "kind", "created_at", "sent_at")


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = (
        "shop", "format", "dry_run", "status", "rows_done", "rows_total", "rows_changed",
        "rows_failed",
    )  # fmt: skip
    exclude = ("content",)  # the uploaded file, customers' emails: not for browsing
