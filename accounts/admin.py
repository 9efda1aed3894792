from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from .models import Account, AccountContact


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
