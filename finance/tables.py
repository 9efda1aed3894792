import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from portal.tables import MoneyColumn, PortalTable

from .models import Accrual


class AccrualTable(PortalTable):
    period = tables.DateColumn(format="Y-m", linkify=True)
    subaccount = tables.Column(order_by="subaccount__name")
    basis = MoneyColumn()
    rate = tables.Column(attrs={"td": {"class": "numeric"}, "th": {"class": "numeric"}})
    amount = MoneyColumn()

    class Meta:
        model = Accrual
        fields = ("period", "program", "subaccount", "basis", "rate", "amount", "currency")
        empty_text = _("Nothing accrued yet: accruals appear after a month closes.")
