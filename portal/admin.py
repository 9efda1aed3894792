"""What the admin pages of several sections share (an action form with a reason, one call per object), and
the outbox's page."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from .models import OutboxMessage


class PortalAdminSite(admin.AdminSite):
    """Django admin is the provider's staff's: every partner's rows, on purpose — each admin view runs with
    partner scopes disabled (portal/models.py)."""

    def admin_view(self, view, cacheable=False):
        return super().admin_view(scopes_disabled()(view), cacheable)


class ReasonActionForm(ActionForm):
    reason = forms.CharField(label=_("Reason (for rejections)"), required=False)


def apply_to_each(modeladmin, request, queryset, step) -> None:
    """Run ``step(obj)`` for every selected object; refusals are reported one by one, the rest go through."""
    done = 0
    for obj in queryset:
        try:
            step(obj)
            done += 1
        except ValidationError as error:
            modeladmin.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("%(n)d item(s) updated.") % {"n": done}, messages.SUCCESS)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Background tasks the broker has not taken yet (and, for a week, those it has): read only; the sweep
    and ``manage.py send_outbox`` send them."""

    list_display = ("id", "task", "args", "created_at", "attempts", "last_error", "sent_at", "done_at")
    list_filter = (("sent_at", admin.EmptyFieldListFilter), "task")
    search_fields = ("task",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
