from django.contrib import admin

from .models import (
    Accrual,
    Consumption,
    LedgerEntry,
    MonthlyConsumption,
    RebateTerm,
    ReferralClick,
    ReferralLink,
    ReferredCustomer,
    Report,
    Withdrawal,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money records are written by services only; admin shows them and never edits them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Consumption)
class ConsumptionAdmin(ReadOnlyAdmin):
    list_display = (
        "date",
        "subaccount",
        "service_name",
        "sku_name",
        "quantity",
        "unit",
        "cost",
        "credit",
        "currency",
    )
    list_filter = ("currency", "is_marketplace")
    search_fields = ("subaccount__billing_account_id", "service_name", "sku_name")
    date_hierarchy = "date"
    show_full_result_count = False


@admin.register(MonthlyConsumption)
class MonthlyConsumptionAdmin(ReadOnlyAdmin):
    list_display = ("month", "subaccount", "service_name", "cost", "credit", "currency")
    list_filter = ("currency",)
    search_fields = ("subaccount__billing_account_id", "service_name")


@admin.register(RebateTerm)
class RebateTermAdmin(admin.ModelAdmin):
    list_display = ("program", "condition", "rate", "cap", "threshold", "currency", "valid_from", "valid_to")
    list_filter = ("program", "currency")
    search_fields = ("condition",)


@admin.register(Accrual)
class AccrualAdmin(ReadOnlyAdmin):
    list_display = ("period", "partner", "program", "subaccount", "basis", "rate", "amount", "currency")
    list_filter = ("program", "currency")
    search_fields = ("partner__name", "subaccount__billing_account_id", "source")
    date_hierarchy = "period"


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "partner", "program", "kind", "amount", "currency")
    list_filter = ("program", "kind", "currency")
    search_fields = ("partner__name",)


@admin.register(Withdrawal)
class WithdrawalAdmin(admin.ModelAdmin):
    list_display = ("created_at", "partner", "program", "amount", "currency", "destination", "status")
    list_filter = ("status", "program", "destination")
    search_fields = ("partner__name",)
    readonly_fields = (
        "partner",
        "program",
        "amount",
        "currency",
        "destination",
        "requested_by",
        "payout_details_snapshot",
        "created_at",
    )


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "partner", "kind", "status", "progress", "created_by")
    list_filter = ("kind", "status")
    search_fields = ("partner__name",)


@admin.register(ReferralLink)
class ReferralLinkAdmin(admin.ModelAdmin):
    list_display = ("code", "partner", "created_at")
    search_fields = ("code", "partner__name")


@admin.register(ReferralClick)
class ReferralClickAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "link")


@admin.register(ReferredCustomer)
class ReferredCustomerAdmin(admin.ModelAdmin):
    list_display = ("account", "link", "signed_up_at")
    search_fields = ("account__name", "link__code")
