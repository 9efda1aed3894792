import django_tables2 as tables
from django.template import defaultfilters
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from portal.money import percent, round_money
from portal.paths import object_path
from portal.tables import (
    ACTIONS_HEADER,
    BooleanColumn,
    DateColumn,
    MoneyColumn,
    NumericColumn,
    PortalTable,
    StatusColumn,
    TemplateColumn,
    localized_numbers,
)
from subaccounts.models import Subaccount

from .models import Accrual, BucketExportDay, LedgerEntry, Report


class RateColumn(NumericColumn):
    """A program's rate: a percentage on the page (10.00%), the rate itself as a machine reads it in a CSV."""

    def render(self, value):
        return percent(value)


class AccrualTable(PortalTable):
    """Each accrual as it stands now: the original with its corrections summed in, marked when corrected."""

    period = DateColumn(format="Y-m", linkify=True)
    subaccount = tables.Column(order_by="subaccount__name")
    basis = MoneyColumn(accessor="basis_now", order_by="basis_now")
    rate = RateColumn()
    amount = MoneyColumn(accessor="amount_now", order_by="amount_now")
    corrected = BooleanColumn(verbose_name=_("Corrected"), orderable=False)

    class Meta:
        model = Accrual
        fields = ("period", "program", "subaccount", "basis", "rate", "amount", "currency", "corrected")
        empty_text = _("Nothing accrued yet: accruals appear after a month closes.")


class SubaccountBonusTable(PortalTable):
    """A subaccount's bonus accruals as they stand now (corrections summed in, marked), newest month first; a
    month opens its accrual."""

    period = DateColumn(verbose_name=_("Month"), format="M Y", linkify=True)
    program = tables.Column(verbose_name=_("Program"))
    basis = MoneyColumn(
        verbose_name=_("Basis (paid consumption)"), accessor="basis_now", order_by="basis_now"
    )
    rate = RateColumn(verbose_name=_("Rate"))
    term = tables.Column(verbose_name=_("Term"), orderable=False, default="—")
    amount = MoneyColumn(verbose_name=_("Amount"), accessor="amount_now", order_by="amount_now")

    class Meta:
        model = Accrual
        fields = ("period", "program", "basis", "rate", "term", "amount")
        empty_text = _("No bonus accrued yet.")

    def render_basis(self, value, record):
        return f"{localize(round_money(value))} {record.currency}"

    def render_amount(self, value, record):
        amount = format_html("<strong>{}</strong>", localize(round_money(value)))
        if record.corrected:
            return format_html('{} <span class="help">{}</span>', amount, _("corrected"))
        return amount


class ExcludedConsumptionTable(PortalTable):
    """Per month and currency, what never earns a subaccount a bonus (rows are dicts, newest month first)."""

    month = DateColumn(verbose_name=_("Month"), format="M Y")
    cost = MoneyColumn(verbose_name=_("Consumption cost"))
    credit = MoneyColumn(verbose_name=_("Grants (credits)"))
    marketplace = MoneyColumn(verbose_name=_("Marketplace"))
    currency = tables.Column(verbose_name=_("Currency"))

    class Meta:
        empty_text = _("No consumption recorded.")


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


class PartnerBonusTable(PortalTable):
    # the subaccount's bonus page, its path reversed once (portal/paths.py), not per row
    name = tables.Column(
        verbose_name=_("Subaccount"),
        linkify=lambda record: object_path("finance:subaccount_bonus", record.pk),
    )
    account = tables.Column(verbose_name=_("Customer"), order_by="account__name")
    basis = MoneyColumn(verbose_name=_("Paid consumption"))
    base_bonus = MoneyColumn(verbose_name=_("Base bonus"))
    deal_extra = MoneyColumn(verbose_name=_("Deal extra"))
    optional_columns = ("account", "basis")

    class Meta:
        model = Subaccount
        fields = ("name", "account", "basis", "base_bonus", "deal_extra")
        empty_text = _("No bonus accrued for this month yet.")


class ReportTable(PortalTable):
    subject = tables.Column(verbose_name=_("Covers"), empty_values=(), orderable=False)
    status = StatusColumn()
    progress = TemplateColumn(
        '<progress max="100" value="{{ value }}" aria-label="{{ value }}%">{{ value }}%</progress>',
        attrs={"td": {"class": "numeric"}},
    )
    download = TemplateColumn(
        '{% load i18n %}{% if record.status == "done" %}<a href="{% url \'finance:report\' record.pk %}">'
        '{% translate "Download" %}</a>{% endif %}',
        verbose_name=ACTIONS_HEADER,
        orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        model = Report
        fields = ("created_at", "kind", "subject", "created_by", "status", "progress")
        empty_text = _("No statement yet: request one above.")


class CommissionReportTable(ReportTable):
    rows = tables.Column(accessor="params__rows", verbose_name=_("Rows"), orderable=False)

    class Meta(ReportTable.Meta):
        fields = ("created_at", "subject", "created_by", "status", "progress", "rows")
        exclude = ("kind",)
        empty_text = _("No prepared report yet: long periods are prepared as a file you download here.")


class UsageTable(PortalTable):
    """Subaccount details: one row per time bucket and key of the chosen view (rows are dicts). Its body is
    written by ``rows_html``, not by a template per cell (django-tables2's way took most of the page's
    time for its 500 cells)."""

    bucket = DateColumn(verbose_name=_("Period"), format="Y-m-d")
    name = tables.Column(verbose_name=_("Name"))
    key = tables.Column(verbose_name=_("Id"))
    currency = tables.Column(verbose_name=_("Currency"))
    consumption = MoneyColumn(verbose_name=_("Consumption cost"))
    discount = MoneyColumn(verbose_name=_("Discount"))
    client_pays = MoneyColumn(verbose_name=_("To be paid by client"))
    reward = MoneyColumn(verbose_name=_("Reward"))
    adjustment = MoneyColumn(verbose_name=_("Adjustment"))
    partner_pays = MoneyColumn(verbose_name=_("To be paid by partner"))

    optional_columns = ("key", "currency", "consumption", "discount", "adjustment", "partner_pays")

    class Meta:
        empty_text = _("No consumption in this period.")
        template_name = "finance/_usage_table.html"

    def rows_html(self) -> str:
        """The page's rows, cell for cell what django-tables2's template writes for these columns: the
        period as Y-m-d, the texts escaped, the amounts rounded to two decimals and localized, the table's
        default for a value missing, rows alternately even and odd."""
        # (the cells' markup built as strings, escaped as format_html escapes; the numbers localized with the
        # language's separators looked up once, each day's date written once)
        number = localized_numbers()
        columns = [(column.name, column.attrs.get("td", {}).get("class", "")) for column in self.columns]
        opening = {name: f'<td class="{escape(css)}">' if css else "<td>" for name, css in columns}
        default, dates, rows = conditional_escape(self.default), {}, []
        for index, bound in enumerate(self.paginated_rows):
            record = bound.record
            cells = [f'<tr class="{"odd" if index % 2 else "even"}">']
            for name, css in columns:
                value = record.get(name)
                if value is None or value == "":
                    text = default
                elif name == "bucket":
                    if value not in dates:
                        dates[value] = conditional_escape(defaultfilters.date(value, "Y-m-d"))
                    text = dates[value]
                elif "numeric" in (css or "").split():
                    text = conditional_escape(number(round_money(value)))
                else:
                    text = conditional_escape(value)
                cells.append(f"{opening[name]}{text}</td>")
            cells.append("</tr>")
            rows.append("".join(cells))
        return mark_safe("".join(rows))  # noqa: S308 (every text in it escaped above)


class CommissionMonthTable(PortalTable):
    """Commission statistics by month: the detailed report's money columns summed per month and currency
    (rows are dicts; a cell rounds to the kopeck, the CSV keeps the sums exact)."""

    month = DateColumn(verbose_name=_("Month"), format="Y-m")
    currency = tables.Column(verbose_name=_("Currency"))
    cost = MoneyColumn(verbose_name=_("Consumption cost"))
    credit = MoneyColumn(verbose_name=_("Credits"))
    reward = MoneyColumn(verbose_name=_("Reward"))

    class Meta:
        empty_text = _("No consumption in this period.")


class CommissionCustomerTable(PortalTable):
    """Commission statistics by customer: the same sums per customer (account) and currency; sorted and paged
    by the database (``finance.commission.CustomerFigures``)."""

    name = tables.Column(verbose_name=_("Customer"))
    currency = tables.Column(verbose_name=_("Currency"))
    cost = MoneyColumn(verbose_name=_("Consumption cost"))
    credit = MoneyColumn(verbose_name=_("Credits"))
    reward = MoneyColumn(verbose_name=_("Reward"))

    class Meta:
        empty_text = _("No customer matches the search in this period.")


class BucketExportDayTable(PortalTable):
    """Each day of the bucket export: written (object, size, rows) or why not, in plain words."""

    day = DateColumn(verbose_name=_("Day"), format="Y-m-d")
    size = tables.Column(verbose_name=_("Size"))

    optional_columns = ("key", "attempts", "updated_at")

    class Meta:
        model = BucketExportDay
        fields = ("day", "status", "key", "size", "rows", "error", "attempts", "updated_at")
        empty_text = _("No day exported yet: the first finished day is written on the next morning's run.")

    def render_size(self, value):
        return defaultfilters.filesizeformat(value)
