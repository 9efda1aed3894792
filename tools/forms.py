from django import forms
from django.utils.translation import gettext_lazy as _

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


class CurrentCustomerForm(PortalModelForm):
    """A form about one of the partner's current customers: archived accounts are neither offered (the
    search asks for current ones) nor accepted."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = self.fields["account"].queryset.filter(archived_at__isnull=True)


CURRENT_ACCOUNTS = SearchSelect("accounts:search", {"current": "1"})


class RegistrationForm(CurrentCustomerForm):
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
            "account": CURRENT_ACCOUNTS,
            "description": forms.Textarea(attrs={"rows": 4}),
            "contract_start": forms.DateInput(attrs={"type": "date"}),
            "contract_end": forms.DateInput(attrs={"type": "date"}),
        }


class PresaleRequestForm(CurrentCustomerForm):
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
            "account": CURRENT_ACCOUNTS,
            "description": forms.Textarea(attrs={"rows": 4}),
        }


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class AttachmentForm(forms.Form):
    files = MultipleFileField(label=_("Files"), required=True, help_text=ATTACHMENT_HELP)
