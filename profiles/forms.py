from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Partner, PartnerContact, PayoutDetails


class PartnerProfileForm(forms.ModelForm):
    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)

    class Meta:
        model = Partner
        fields = ["name", "legal_address", "mailing_address"]
        widgets = {
            "legal_address": forms.Textarea(attrs={"rows": 2}),
            "mailing_address": forms.Textarea(attrs={"rows": 2}),
        }


ContactFormSet = forms.inlineformset_factory(
    Partner, PartnerContact, fields=["name", "position", "email", "phone"], extra=1, can_delete=True
)


class PayoutDetailsForm(forms.ModelForm):
    code = forms.CharField(
        label=_("Authenticator code"),
        required=False,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("Payout details decide where money goes: confirm with your second factor."),
    )

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)

        if not is_mfa_enabled(membership.user):
            del self.fields["code"]

    class Meta:
        model = PayoutDetails
        fields = ["bank_name", "bic", "account_number", "correspondent_account"]
