from django.contrib import admin
from django.db import models

from .models import PresaleRequest, Registration, Resource


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = (
        "account",
        "partner",
        "kind",
        "status",
        "conflict",
        "expected_monthly",
        "currency",
        "submitted_at",
        "expires_at",
    )
    list_filter = ("kind", "status", "conflict", "procurement")
    search_fields = ("account__name", "account__tax_id", "partner__name")
    autocomplete_fields = ("partner", "account")


@admin.register(PresaleRequest)
class PresaleRequestAdmin(admin.ModelAdmin):
    list_display = ("account", "partner", "services", "status", "created_at", "answer_due")
    list_filter = ("status",)
    search_fields = ("account__name", "partner__name", "services")
    autocomplete_fields = ("partner", "account")


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("title", "group", "position")
    list_filter = ("group",)
    search_fields = ("title", "description")
