import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from portal.tables import PortalTable, StatusColumn

from .models import Subaccount


class SubaccountTable(PortalTable):
    name = tables.Column(linkify=True)
    account = tables.Column(linkify=True, order_by="account__name")
    status = StatusColumn()
    optional_columns = ("billing_account_id", "created_at")

    class Meta:
        model = Subaccount
        fields = ("name", "billing_account_id", "account", "status", "created_at")
        empty_text = _("No subaccounts match. Create one from a customer account's page.")
