from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import PortalModelForm

from .models import Subaccount


class SubaccountForm(PortalModelForm):
    class Meta:
        model = Subaccount
        fields = ["name", "customer_email"]
        help_texts = {
            "customer_email": _("The customer gets an email with a link to accept; it works for 7 days."),
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, required=False
    )
