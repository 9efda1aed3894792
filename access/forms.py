from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from portal.forms import PortalModelForm
from portal.permissions import Role
from portal.widgets import SearchSelectMultiple

from .models import ApiToken, Invitation, Membership, Notification
from .services import granted_accounts


class ScopeFields(forms.Form):
    """Role plus the optional restriction to selected customer accounts of the current partner."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    restricted = forms.BooleanField(label=_("Only selected customer accounts"), required=False)
    accounts = forms.ModelMultipleChoiceField(
        label=_("Customer accounts"),
        queryset=Account.objects.none(),
        required=False,
        widget=SearchSelectMultiple("accounts:search", {"current": "1"}),
        help_text=_("Used when the user is restricted: they see only these customers and their subaccounts."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)  # PortalModelForm sets self.membership
        self.fields["accounts"].queryset = Account.objects.for_partner(self.membership.partner_id).filter(
            archived_at__isnull=True
        )


class InvitationForm(ScopeFields, PortalModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "role", "restricted"]


class MembershipForm(ScopeFields, PortalModelForm):
    class Meta:
        model = Membership
        fields = ["role", "restricted"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["accounts"] = list(granted_accounts(self.instance).values_list("pk", flat=True))


class SecurityForm(PortalModelForm):
    class Meta:
        from profiles.models import Partner

        model = Partner
        fields = ["require_two_factor"]


class SignUpFromInvitationForm(forms.Form):
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):

        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password1"):
            try:
                password_validation.validate_password(data["password1"], get_user_model()(email=self.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class NotificationEmailForm(forms.Form):
    by_email = forms.MultipleChoiceField(
        label=_("Also by email"),
        help_text=_("Every notification appears in the portal; the ones ticked here also come by email."),
        choices=Notification.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class ApiTokenForm(forms.Form):
    """A token for the member's own systems: a name, what it may reach (per section) and how long it lives."""

    NONE = ""
    LEVELS = [(NONE, _("No access")), *ApiToken.Level.choices]
    DAYS = [(30, _("30 days")), (90, _("90 days")), (180, _("180 days")), (365, _("1 year"))]

    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("Which system uses it, e.g. “Billing sync”.")
    )
    accounts = forms.ChoiceField(label=ApiToken.Section.ACCOUNTS.label, choices=LEVELS, required=False)
    finance = forms.ChoiceField(label=ApiToken.Section.FINANCE.label, choices=LEVELS, required=False)
    tools = forms.ChoiceField(label=ApiToken.Section.TOOLS.label, choices=LEVELS, required=False)
    days = forms.TypedChoiceField(label=_("Expires in"), choices=DAYS, coerce=int, initial=90)

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(s) for s in ApiToken.Section.values):
            raise forms.ValidationError(_("Give the token at least one section to read."))
        return cleaned

    def scopes(self) -> dict:
        return {s: self.cleaned_data[s] for s in ApiToken.Section.values if self.cleaned_data.get(s)}
