from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from portal import outbox
from portal.admin import ReasonActionForm, apply_to_each

from . import services, tasks
from .models import (
    Accrual,
    BucketExport,
    BucketExportDay,
    Consumption,
    ConsumptionImport,
    CustomerInvoice,
    CustomerMonth,
    CustomerSkuDay,
    CustomerUsageDay,
    DailyLabelUsage,
    DailySkuUsage,
    DailyUsage,
    DealUsage,
    Exclusion,
    LedgerBalance,
    LedgerEntry,
    MonthlyConsumption,
    MonthlyUsage,
    PartnerMonth,
    PartnerUsageDay,
    RebateTerm,
    Report,
    SubaccountsVersion,
    UsageFolder,
    UsageRewardDay,
    UsageRewardMonth,
    UsageVersion,
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


@admin.register(ConsumptionImport)
class ConsumptionImportAdmin(admin.ModelAdmin):
    """Upload a billing file; a Celery task checks every line, then loads it (or reports every bad line)."""

    list_display = (
        "created_at",
        "kind",
        "file",
        "status",
        "lines_checked",
        "rows",
        "first_day",
        "last_day",
        "error_count",
    )
    list_filter = ("kind", "status")
    readonly_fields = (
        "status",
        "lines_checked",
        "rows",
        "first_day",
        "last_day",
        "error_count",
        "error_list",
        "skipped_list",
        "created_by",
        "created_at",
        "finished_at",
    )
    fields = ("kind", "file", *readonly_fields)

    @admin.display(description=_("Bad lines"))
    def error_list(self, obj):
        return format_html_join("\n", "<div>{}</div>", ((e,) for e in obj.errors)) or "—"

    @admin.display(description=_("Lines not attributed"))
    def skipped_list(self, obj):
        return format_html_join("\n", "<div>{}</div>", ((e,) for e in obj.skipped)) or "—"

    def has_change_permission(self, request, obj=None):
        return obj is None

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        outbox.enqueue(tasks.import_consumption_file, obj.pk)


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


@admin.register(CustomerInvoice)
class CustomerInvoiceAdmin(ReadOnlyAdmin):
    """Invoices and payments come from billing's file (Billing imports); they gate referral commission."""

    list_display = ("number", "subaccount", "month", "amount", "paid_amount", "paid_on", "currency")
    list_filter = ("currency", "month")
    search_fields = ("number", "subaccount__billing_account_id")


@admin.register(MonthlyConsumption)
class MonthlyConsumptionAdmin(ReadOnlyAdmin):
    list_display = ("month", "subaccount", "service_name", "cost", "credit", "currency")
    list_filter = ("currency",)
    search_fields = ("subaccount__billing_account_id", "service_name")


@admin.register(CustomerMonth)
class CustomerMonthAdmin(ReadOnlyAdmin):
    """Kept by the import and the accrual (finance.aggregates): read here, never edited."""

    list_display = ("month", "account", "currency", "paid", "partner_bonus", "deal_extra")
    list_filter = ("currency",)
    search_fields = ("account__name", "account__tax_id")


@admin.register(PartnerMonth)
class PartnerMonthAdmin(ReadOnlyAdmin):
    """The sums of a partner's customer months, kept by a trigger on them (migration 0029): read here; the
    database refuses any other writer."""

    list_display = ("month", "partner", "currency", "paid", "partner_bonus", "deal_extra", "customers")
    list_filter = ("currency",)
    search_fields = ("partner__name",)


@admin.register(DailyUsage)
class DailyUsageAdmin(ReadOnlyAdmin):
    """Subaccount details' daily aggregate, kept by the import (finance.aggregates): read, never edited."""

    list_display = ("date", "subaccount", "folder_id", "cost", "credit", "paid", "currency")
    list_filter = ("currency",)
    search_fields = ("subaccount__billing_account_id", "folder_id")


@admin.register(MonthlyUsage)
class MonthlyUsageAdmin(ReadOnlyAdmin):
    """Subaccount details' monthly folder aggregate, kept by the import with the daily one: read, never
    edited."""

    list_display = ("month", "subaccount", "folder_id", "cost", "credit", "paid", "currency")
    list_filter = ("currency",)
    search_fields = ("subaccount__billing_account_id", "folder_id")


@admin.register(DailySkuUsage)
class DailySkuUsageAdmin(ReadOnlyAdmin):
    """Subaccount details' partner × SKU daily aggregate, kept by the import: read here, never edited."""

    list_display = ("date", "partner", "service_name", "sku_name", "cost", "credit", "paid", "currency")
    list_filter = ("currency",)
    search_fields = ("partner__name", "sku_id")


@admin.register(DailyLabelUsage)
class DailyLabelUsageAdmin(ReadOnlyAdmin):
    """Subaccount details' label cells (subaccount × day × label × value), kept by the import: read here,
    never edited."""

    list_display = ("date", "subaccount", "label", "value", "cost", "credit", "paid", "currency")
    list_filter = ("currency",)
    search_fields = ("subaccount__billing_account_id", "label", "value")


@admin.register(DealUsage)
class DealUsageAdmin(ReadOnlyAdmin):
    """Which deals the partner aggregate's deal part of a month stands for (finance.deal_usage): read here,
    never edited."""

    list_display = ("month", "partner", "deals")
    search_fields = ("partner__name",)


@admin.register(UsageRewardMonth)
class UsageRewardMonthAdmin(ReadOnlyAdmin):
    """What the reward rollup of a month stands for (finance.usage_rewards): read here, never edited."""

    list_display = ("month", "partner", "digest")
    search_fields = ("partner__name",)


@admin.register(UsageVersion)
class UsageVersionAdmin(ReadOnlyAdmin):
    """A partner's token of its consumption aggregates (Subaccount details' kept rankings): read, never
    edited — each rebuild and detach makes a new one."""

    list_display = ("partner", "version")
    search_fields = ("partner__name",)


@admin.register(SubaccountsVersion)
class SubaccountsVersionAdmin(ReadOnlyAdmin):
    """A partner's token of its subaccounts as the kept rankings read them, made new by trigger: read only."""

    list_display = ("partner_id", "version")


@admin.register(UsageRewardDay)
class UsageRewardDayAdmin(ReadOnlyAdmin):
    """Subaccount details' reward rollup, kept by the import (finance.usage_rewards): read, never edited."""

    list_display = ("date", "partner", "currency", "upto", "onward")
    list_filter = ("currency",)
    search_fields = ("partner__name",)


@admin.register(CustomerSkuDay)
class CustomerSkuDayAdmin(ReadOnlyAdmin):
    """A restricted member's Subaccount details' service and SKU rows per customer, kept by the import (built
    with the daily aggregates, finance.aggregates; their deals' part with the rollup, finance.usage_rewards):
    read, never edited."""

    list_display = ("date", "partner", "account", "currency", "service_name", "sku_name", "cost", "paid")
    list_filter = ("currency",)
    search_fields = ("partner__name", "account__name", "sku_id")


@admin.register(CustomerUsageDay)
class CustomerUsageDayAdmin(ReadOnlyAdmin):
    """Commission statistics' (and a restricted member's Subaccount details') customer running sums, kept by
    the import (finance.usage_rewards): read, never edited."""

    list_display = (
        "date",
        "partner",
        "account",
        "currency",
        "cost",
        "credit",
        "adjustment",
        "reward",
        "rows",
    )
    list_filter = ("currency",)
    search_fields = ("partner__name", "account__name")
    list_select_related = ("partner", "account")


@admin.register(PartnerUsageDay)
class PartnerUsageDayAdmin(ReadOnlyAdmin):
    """Commission statistics' partner running sums (the customers' summed), kept by the import: read, never
    edited."""

    list_display = ("date", "partner", "currency", "cost", "credit", "reward", "rows")
    list_filter = ("currency",)
    search_fields = ("partner__name",)


@admin.register(Exclusion)
class ExclusionAdmin(admin.ModelAdmin):
    """Services (or SKUs) that earn no program. A change is re-applied to the consumption already imported
    and the closed months concerned are re-accrued, in the background."""

    list_display = ("kind", "service_id", "sku_id", "note", "created_at")
    list_filter = ("kind",)
    search_fields = ("service_id", "sku_id", "note")

    def _reapply(self, service_ids) -> None:
        outbox.enqueue(tasks.exclusions_reapply, sorted(set(service_ids)))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._reapply([obj.service_id, form.initial.get("service_id") or obj.service_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._reapply([obj.service_id])

    def delete_queryset(self, request, queryset):
        service_ids = list(queryset.values_list("service_id", flat=True))
        super().delete_queryset(request, queryset)
        self._reapply(service_ids)


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
    list_display = ("created_at", "partner", "pool", "program", "kind", "amount", "currency")
    list_filter = ("pool", "program", "kind", "currency")
    search_fields = ("partner__name",)


@admin.register(LedgerBalance)
class LedgerBalanceAdmin(ReadOnlyAdmin):
    """The sum of a balance's ledger entries, kept by a trigger on the ledger (migration 0029): read here;
    the database refuses any other writer."""

    list_display = ("partner", "pool", "currency", "amount")
    list_filter = ("pool", "currency")
    search_fields = ("partner__name",)


@admin.register(Withdrawal)
class WithdrawalAdmin(admin.ModelAdmin):
    """Approve, mark paid or reject through the service: a rejection writes the reversal entry."""

    list_display = (
        "created_at",
        "partner",
        "pool",
        "amount",
        "currency",
        "destination",
        "status",
        "decided_at",
    )
    list_filter = ("status", "pool", "destination", "currency")
    search_fields = ("partner__name",)
    readonly_fields = [f.name for f in Withdrawal._meta.fields]
    actions = ["approve", "mark_paid", "reject"]
    action_form = ReasonActionForm

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _step(self, request, queryset, step):
        reason = request.POST.get("reason", "")
        apply_to_each(
            self,
            request,
            queryset,
            lambda w: services.withdrawal_decide(withdrawal=w, step=step, actor=request.user, reason=reason),
        )

    @admin.action(description=_("Approve selected withdrawals"))
    def approve(self, request, queryset):
        self._step(request, queryset, "approve")

    @admin.action(description=_("Mark selected withdrawals paid"))
    def mark_paid(self, request, queryset):
        self._step(request, queryset, "pay")

    @admin.action(description=_("Reject selected withdrawals (give a reason)"))
    def reject(self, request, queryset):
        self._step(request, queryset, "reject")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "partner", "kind", "status", "progress", "created_by")
    list_filter = ("kind", "status")
    search_fields = ("partner__name",)


@admin.register(BucketExport)
class BucketExportAdmin(admin.ModelAdmin):
    """A partner's export to their bucket: set up by the partner (Finance → Export to bucket); staff may
    only switch it off or on. The secret key is never shown, not even sealed."""

    list_display = ("partner", "endpoint_url", "bucket", "prefix", "detail", "enabled", "updated_at")
    list_filter = ("enabled", "detail")
    search_fields = ("partner__name", "bucket")
    exclude = ("secret_sealed",)
    readonly_fields = (
        "partner",
        "endpoint_url",
        "region",
        "bucket",
        "prefix",
        "access_key_id",
        "detail",
        "language",
        "start_date",
    )

    def has_add_permission(self, request):
        return False


@admin.register(BucketExportDay)
class BucketExportDayAdmin(ReadOnlyAdmin):
    """Each day of a bucket export, as the task recorded it."""

    list_display = ("export", "day", "status", "size", "rows", "attempts", "updated_at")
    list_filter = ("status",)
    search_fields = ("export__partner__name", "key")


@admin.register(UsageFolder)
class UsageFolderAdmin(ReadOnlyAdmin):
    """Subaccount details' clouds and folders (the pickers' choices), kept by the import: read, never
    edited."""

    list_display = ("folder_name", "folder_id", "cloud_name", "cloud_id", "subaccount", "last_date")
    search_fields = ("partner__name", "cloud_name", "cloud_id", "folder_name", "folder_id")
