from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from portal.forms import PortalModelForm
from portal.permissions import Right, mask
from portal.widgets import SearchSelect

from .models import Subaccount


class SubaccountForm(PortalModelForm):
    """A name and the address the invitation goes to. For a role that may not see personal data the
    account's contact is never put in the page: the field is left empty and an empty field means "send it to
    the contact", shown masked."""

    class Meta:
        model = Subaccount
        fields = ["name", "customer_email"]
        help_texts = {
            "customer_email": _("The customer gets an email with a link to accept; it works for 7 days."),
        }

    def __init__(self, *args, contact_email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.contact_email = contact_email
        if not contact_email:
            return
        field = self.fields["customer_email"]
        if self.membership.has(Right.PERSONAL_DATA):
            self.initial.setdefault("customer_email", contact_email)
        else:
            field.required = False
            field.help_text = _(
                "Leave it empty to send the invitation to the account's contact, %(email)s. "
                "The link works for 7 days."
            ) % {"email": mask(contact_email)}

    def clean_customer_email(self):
        return self.cleaned_data["customer_email"] or self.contact_email


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, required=False
    )


class AccountPickForm(forms.Form):
    """Which current customer a new subaccount is for (Subaccounts → Create subaccount): the partner's,
    within a restricted member's accounts, never an archived one."""

    account = forms.ModelChoiceField(
        label=_("Customer account"),
        queryset=Account.objects.none(),
        widget=SearchSelect("accounts:search", {"current": "1"}),
    )

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.restrict(membership).filter(
            archived_at__isnull=True
        )
