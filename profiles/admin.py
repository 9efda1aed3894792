from django.contrib import admin

from .models import Partner, PartnerContact, PartnerSpecialization, PayoutDetails, Specialization


class PartnerSpecializationInline(admin.TabularInline):
    model = PartnerSpecialization
    extra = 0


class PartnerContactInline(admin.TabularInline):
    model = PartnerContact
    extra = 0


class PayoutDetailsInline(admin.StackedInline):
    model = PayoutDetails
    extra = 0


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "legal_name", "tax_id", "country", "partner_type", "currency", "partner_since")
    list_filter = ("partner_type", "country", "currency")
    search_fields = ("name", "legal_name", "tax_id")
    inlines = [PartnerSpecializationInline, PartnerContactInline, PayoutDetailsInline]


@admin.register(Specialization)
class SpecializationAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "yearly_threshold", "currency")
    search_fields = ("name", "code")


@admin.register(PartnerSpecialization)
class PartnerSpecializationAdmin(admin.ModelAdmin):
    list_display = ("partner", "specialization", "status", "active_since", "active_until")
    list_filter = ("status", "specialization")
    search_fields = ("partner__name",)
    autocomplete_fields = ("partner",)


@admin.register(PartnerContact)
class PartnerContactAdmin(admin.ModelAdmin):
    list_display = ("name", "partner", "position", "email", "phone")
    search_fields = ("name", "email", "partner__name")
    autocomplete_fields = ("partner",)


@admin.register(PayoutDetails)
class PayoutDetailsAdmin(admin.ModelAdmin):
    list_display = ("partner", "bank_name", "bic", "updated_at")
    search_fields = ("partner__name", "bank_name", "bic")
    autocomplete_fields = ("partner",)
