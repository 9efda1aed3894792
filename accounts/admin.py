from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from .models import Account, AccountContact, AccountGroupObjectPermission, AccountUserObjectPermission


class AccountContactInline(admin.TabularInline):
    model = AccountContact
    extra = 0


@admin.register(Account)
class AccountAdmin(GuardedModelAdmin):
    """GuardedModelAdmin: the per-account grants of restricted memberships are managed here."""

    list_display = ("name", "partner", "tax_id", "country", "stage", "archived_at", "created_at")
    list_filter = ("stage", "country", ("archived_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "legal_name", "tax_id", "partner__name")
    autocomplete_fields = ("partner", "owner")
    inlines = [AccountContactInline]


@admin.register(AccountContact)
class AccountContactAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "phone", "account")
    search_fields = ("name", "email", "account__name")
    autocomplete_fields = ("account",)


@admin.register(AccountUserObjectPermission)
class AccountUserObjectPermissionAdmin(admin.ModelAdmin):
    """A restricted member's grants, one row per account (the account's own page manages them too)."""

    list_display = ("user", "content_object", "permission")
    search_fields = ("user__email", "content_object__name")
    list_select_related = ("user", "content_object", "permission")
    raw_id_fields = ("user", "permission", "content_object")


@admin.register(AccountGroupObjectPermission)
class AccountGroupObjectPermissionAdmin(admin.ModelAdmin):
    list_display = ("group", "content_object", "permission")
    search_fields = ("group__name", "content_object__name")
    list_select_related = ("group", "content_object", "permission")
    raw_id_fields = ("group", "permission", "content_object")
