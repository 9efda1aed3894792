import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from finance.forms import TaxIdMixin
from portal.forms import PortalModelForm

from .models import ReferralLink
from .services import INVITE_AT_ONCE


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


class SignupForm(TaxIdMixin, forms.Form):
    """A customer joining through a partner's link; the consent is required."""

    name = forms.CharField(label=_("Company name"), max_length=200)
    country = CountryField().formfield(label=_("Country"), initial="RU")
    tax_id = forms.CharField(
        label=_("Tax id"), max_length=32, help_text=_("INN in Russia, BIN or IIN in Kazakhstan")
    )
    contact_name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Work email"))
    consent = forms.BooleanField(label=_("I agree"), required=True)
