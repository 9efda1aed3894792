import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from portal.tables import MoneyColumn, PortalTable

from .models import Accrual, LedgerEntry


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


class LedgerEntryTable(PortalTable):
    amount = MoneyColumn()
    what = tables.Column(empty_values=(), orderable=False, verbose_name=_("For"))

    class Meta:
        model = LedgerEntry
        fields = ("created_at", "kind", "program", "what", "amount", "currency")
        empty_text = _("Nothing on this balance yet.")

    def render_what(self, record):
        if record.accrual_id:
            return f"{record.accrual.get_program_display()} · {record.accrual.period:%Y-%m}"
        if record.withdrawal_id:
            return f"{record.withdrawal.get_destination_display()} · {record.withdrawal.get_status_display()}"
        return "—"
