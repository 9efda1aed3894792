import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from portal.tables import PersonalDataColumn, PortalTable

from .models import Account


class AccountTable(PortalTable):
    name = tables.Column(linkify=True)
    subaccount_count = tables.Column(verbose_name=_("Subaccounts"), orderable=True)
    # the name straight from the code: get_country_display() rebuilds all 250 countries' choices per cell
    country = tables.Column(accessor="country__name", order_by="country", verbose_name=_("Country"))
    owner = tables.Column(accessor="owner__email", verbose_name=_("Owner"))
    primary_contact = PersonalDataColumn(verbose_name=_("Contact"))

    class Meta:
        model = Account
        fields = (
            "name",
            "legal_name",
            "tax_id",
            "country",
            "stage",
            "owner",
            "primary_contact",
            "subaccount_count",
            "created_at",
        )
        empty_text = _("No customer accounts match. Create the first one or clear the filters.")
