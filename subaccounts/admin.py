from django.contrib import admin

from .models import Subaccount, SubaccountEvent


class SubaccountEventInline(admin.TabularInline):
    model = SubaccountEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "actor", "from_status", "to_status", "reason")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subaccount)
class SubaccountAdmin(admin.ModelAdmin):
    list_display = ("name", "billing_account_id", "partner", "account", "status", "created_at")
    list_filter = ("status", "is_partner_own")
    search_fields = ("name", "billing_account_id", "account__name", "partner__name")
    autocomplete_fields = ("partner", "account")
    inlines = [SubaccountEventInline]


@admin.register(SubaccountEvent)
class SubaccountEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "subaccount", "from_status", "to_status", "actor")
    list_filter = ("to_status",)
    search_fields = ("subaccount__name", "subaccount__billing_account_id")

    def has_change_permission(self, request, obj=None):
        return False
