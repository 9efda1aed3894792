from portal.forms import PortalModelForm

from .models import Account


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
