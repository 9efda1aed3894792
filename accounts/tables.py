import django_tables2 as tables
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from portal.tables import PersonalDataColumn, PortalTable

from .models import Account


class CountryColumn(tables.Column):
    """A country's name from its code (the field's countries are django-countries' own), looked up once per
    table and code: ``get_country_display()`` rebuilds all 250 countries' choices, and ``Country.name``
    translates anew for every row."""

    def render(self, value, table):
        names = table.__dict__.setdefault("country_names", {})
        if value not in names:
            names[value] = countries.name(value)
        return names[value]

    def value(self, value, table):
        return self.render(value, table)


class AccountTable(PortalTable):
    name = tables.Column(linkify=True)
    subaccount_count = tables.Column(verbose_name=_("Subaccounts"), orderable=True)
    country = CountryColumn(accessor="country__code", order_by="country", verbose_name=_("Country"))
    owner = tables.Column(accessor="owner__email", verbose_name=_("Owner"))
    primary_contact = PersonalDataColumn(verbose_name=_("Contact"))
    optional_columns = ("legal_name", "tax_id", "country", "owner", "primary_contact", "created_at")

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
