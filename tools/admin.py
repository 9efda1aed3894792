from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.admin import ReasonActionForm, apply_to_each

from . import services
from .models import (
    Attachment,
    Comment,
    PresaleRequest,
    ProgramSettings,
    Registration,
    RegistrationEvent,
    Resource,
)


class ProviderCommentInline(admin.TabularInline):
    """Comments from both sides; what an administrator adds here is the provider's and is emailed."""

    model = Comment
    extra = 1
    fields = ("created_at", "author", "by_provider", "text")
    readonly_fields = ("created_at", "author", "by_provider")

    def has_change_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("name", "content_type", "size", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = RegistrationEvent
    extra = 0
    readonly_fields = ("created_at", "actor", "from_status", "to_status", "note")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ProviderCommentsMixin:
    def save_formset(self, request, form, formset, change):
        if formset.model is not Comment:
            return super().save_formset(request, form, formset, change)
        # the admin's change message reads these lists
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for comment_form in formset.forms:
            if comment_form.has_changed() and not comment_form.instance.pk:
                formset.new_objects.append(
                    services.comment_add(
                        parent=form.instance,
                        author=request.user,
                        text=comment_form.cleaned_data["text"],
                        by_provider=True,
                    )
                )


class OverdueFilter(admin.SimpleListFilter):
    title = _("past target")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Past its target"))]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        now = timezone.now()
        if queryset.model is Registration:
            return queryset.filter(status=Registration.Status.SUBMITTED, review_due__lt=now)
        return queryset.filter(
            status__in=[PresaleRequest.Status.SUBMITTED, PresaleRequest.Status.IN_PROGRESS],
            answer_due__lt=now,
        )


@admin.register(Registration)
class RegistrationAdmin(ProviderCommentsMixin, admin.ModelAdmin):
    """The provider's review: approve or reject through the workflow (the partner is emailed each time)."""

    list_display = (
        "account",
        "partner",
        "kind",
        "status",
        "conflict",
        "expected_monthly",
        "currency",
        "submitted_at",
        "review_due",
        "expires_at",
    )
    list_filter = ("status", "kind", "conflict", "procurement", OverdueFilter)
    search_fields = ("account__name", "account__tax_id", "partner__name")
    readonly_fields = [f.name for f in Registration._meta.fields]
    inlines = [EventInline, ProviderCommentInline, AttachmentInline]
    actions = ["approve", "reject"]
    action_form = ReasonActionForm

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Approve selected registrations"))
    def approve(self, request, queryset):
        apply_to_each(
            self,
            request,
            queryset,
            lambda r: services.registration_approve(registration=r, actor=request.user),
        )

    @admin.action(description=_("Reject selected registrations (give a reason)"))
    def reject(self, request, queryset):
        reason = request.POST.get("reason", "")
        apply_to_each(
            self,
            request,
            queryset,
            lambda r: services.registration_reject(registration=r, actor=request.user, reason=reason),
        )


@admin.register(PresaleRequest)
class PresaleRequestAdmin(ProviderCommentsMixin, admin.ModelAdmin):
    list_display = ("account", "partner", "services", "status", "created_at", "answer_due")
    list_filter = ("status", OverdueFilter)
    search_fields = ("account__name", "partner__name", "services")
    # the status moves only through the actions below (tools/workflow.PRESALE), which email the partner
    readonly_fields = [f.name for f in PresaleRequest._meta.fields]
    inlines = [ProviderCommentInline, AttachmentInline]
    actions = ["take", "answer", "decline"]

    def has_add_permission(self, request):
        return False

    def _move(self, request, queryset, action: str) -> None:
        apply_to_each(
            self,
            request,
            queryset,
            lambda p: services.presale_move(presale=p, action=action, actor=request.user),
        )

    @admin.action(description=_("Take selected presale requests into work"))
    def take(self, request, queryset):
        self._move(request, queryset, "take")

    @admin.action(description=_("Mark selected presale requests answered"))
    def answer(self, request, queryset):
        self._move(request, queryset, "answer")

    @admin.action(description=_("Decline selected presale requests"))
    def decline(self, request, queryset):
        self._move(request, queryset, "decline")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("created_at", "partner", "registration", "presale", "by_provider", "author")
    list_filter = ("by_provider",)
    search_fields = ("text", "partner__name")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("name", "partner", "content_type", "size", "created_at")
    search_fields = ("name", "partner__name")
    readonly_fields = ("name", "content_type", "size", "created_at")


@admin.register(RegistrationEvent)
class RegistrationEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "registration", "from_status", "to_status", "actor")
    list_filter = ("to_status",)
    search_fields = ("registration__account__name",)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProgramSettings)
class ProgramSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "deal_min_rub",
        "deal_min_kzt",
        "deal_subaccount_days",
        "review_business_days",
        "presale_business_days",
        "referral_enrollment_open",
    )

    def has_add_permission(self, request):
        return not ProgramSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("title", "group", "position")
    list_filter = ("group",)
    search_fields = ("title", "description")
