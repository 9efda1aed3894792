import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext_lazy as _

from finance.tasks import accrue_partner_month
from portal import outbox

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


class MonthActionForm(ActionForm):
    month = forms.CharField(label=_("Month (YYYY-MM)"), required=False, max_length=7)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    action_form = MonthActionForm
    actions = ["accrue_month"]

    @admin.action(description=_("Accrue the month given for the selected partners (Celery)"))
    def accrue_month(self, request, queryset):

        month = request.POST.get("month", "")
        try:
            first = datetime.date.fromisoformat(f"{month}-01")
        except ValueError:
            self.message_user(request, _("Give the month as YYYY-MM."), messages.ERROR)
            return
        for partner in queryset:
            outbox.enqueue(accrue_partner_month, partner.pk, first.isoformat())
        self.message_user(
            request,
            _("Accrual of %(month)s queued for %(n)d partner(s).") % {"month": month, "n": queryset.count()},
        )

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
