from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import PortalModelForm

from .models import Account, AccountContact


class AccountForm(PortalModelForm):
    class Meta:
        model = Account
        fields = [
            "country",
            "tax_id",
            "name",
            "legal_name",
            "legal_address",
            "mailing_address",
            "stage",
            "description",
        ]
        widgets = {
            "legal_address": forms.Textarea(attrs={"rows": 2}),
            "mailing_address": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }


ContactFormSet = forms.inlineformset_factory(
    Account,
    AccountContact,
    fields=["name", "email", "phone"],
    extra=1,
    can_delete=True,
)
ContactFormSet.verbose_name = _("Contacts")
