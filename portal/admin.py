"""What the admin pages of several sections share: an action form with a reason, one call per object."""

from django import forms
from django.contrib import messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


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
