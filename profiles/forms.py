from django import forms

from .models import Partner


class PartnerProfileForm(forms.ModelForm):
    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)

    class Meta:
        model = Partner
        fields = ["name", "legal_address", "mailing_address"]
