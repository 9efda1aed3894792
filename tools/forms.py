import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from finance.models import ReferralLink
from finance.referral import INVITE_AT_ONCE
from portal.forms import PortalModelForm
from portal.widgets import SearchSelect

from .models import PresaleRequest, Registration


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service (type by content, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


ATTACHMENT_HELP = _("PDF, DOCX, XLSX, PNG or JPG; up to 10 MB each.")


class RegistrationForm(PortalModelForm):
    attachments = MultipleFileField(label=_("Attachments"), help_text=ATTACHMENT_HELP)

    class Meta:
        model = Registration
        fields = [
            "kind",
            "account",
            "expected_monthly",
            "currency",
            "services",
            "description",
            "project_scope",
            "procurement",
            "contract_start",
            "contract_end",
        ]
        widgets = {
            "account": SearchSelect("accounts:search", {"current": "1"}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "contract_start": forms.DateInput(attrs={"type": "date"}),
            "contract_end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = self.fields["account"].queryset.filter(archived_at__isnull=True)


class PresaleRequestForm(PortalModelForm):
    attachments = MultipleFileField(label=_("Attachments"), help_text=ATTACHMENT_HELP)

    class Meta:
        model = PresaleRequest
        fields = [
            "account",
            "services",
            "expected_monthly",
            "currency",
            "description",
            "contact_name",
            "contact_email",
        ]
        widgets = {
            "account": SearchSelect("accounts:search"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class AttachmentForm(forms.Form):
    files = MultipleFileField(label=_("Files"), required=True, help_text=ATTACHMENT_HELP)


class ReferralLinkForm(PortalModelForm):
    class Meta:
        model = ReferralLink
        fields = ["name", "landing_url"]
        help_texts = {
            "landing_url": _("A page of the provider's site; empty sends visitors to its home page.")
        }


class ReferralInviteForm(forms.Form):
    """Addresses to send a referral link to, one per line or separated by commas, and a note."""

    emails = forms.CharField(
        label=_("Email addresses"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line or separated by commas, at most %(n)d at once.") % {"n": INVITE_AT_ONCE},
    )
    message = forms.CharField(
        label=_("Your message"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Added to the invitation as plain text."),
    )

    def clean_emails(self):
        raw = [e.strip() for e in re.split(r"[,;\s]+", self.cleaned_data["emails"]) if e.strip()]
        bad = []
        for email in raw:
            try:
                validate_email(email)
            except ValidationError:
                bad.append(email)
        if bad:
            raise ValidationError(_("Not an email address: %(bad)s") % {"bad": ", ".join(bad)})
        emails = list(dict.fromkeys(e.lower() for e in raw))
        if len(emails) > INVITE_AT_ONCE:
            raise ValidationError(_("At most %(n)d addresses at once.") % {"n": INVITE_AT_ONCE})
        return emails
