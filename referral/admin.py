from django.contrib import admin

from finance.admin import ReadOnlyAdmin

from .models import ReferralClick, ReferralInvitation, ReferralLink, ReferredCustomer


@admin.register(ReferralLink)
class ReferralLinkAdmin(admin.ModelAdmin):
    list_display = ("code", "partner", "created_at")
    search_fields = ("code", "partner__name")


@admin.register(ReferralClick)
class ReferralClickAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "link")


@admin.register(ReferralInvitation)
class ReferralInvitationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "link", "email", "sent_by", "sent_at")
    search_fields = ("email", "link__code", "link__partner__name")


@admin.register(ReferredCustomer)
class ReferredCustomerAdmin(admin.ModelAdmin):
    list_display = ("account", "link", "signed_up_at")
    search_fields = ("account__name", "link__code")
