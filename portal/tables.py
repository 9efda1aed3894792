"""The table base every list uses: personal data masked for roles without the right."""

import django_tables2 as tables

from portal.money import round_money
from portal.permissions import Right, mask


class PortalTable(tables.Table):
    def __init__(self, *args, membership=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_personal_data = bool(membership and membership.has(Right.PERSONAL_DATA))


class PersonalDataColumn(tables.Column):
    """A customer's name, email or phone: masked as ``a***@example.com`` unless the role shows it."""

    def render(self, value, table):
        return value if getattr(table, "show_personal_data", False) else mask(value)


class StatusColumn(tables.Column):
    """A status rendered as a badge; the CSS class follows the stored value."""

    def render(self, value, record, bound_column):
        from django.utils.html import format_html

        raw = getattr(record, bound_column.accessor.split(".")[-1], "")
        return format_html('<span class="badge badge--{}">{}</span>', raw, value)

    def value(self, value):
        return value


class MoneyColumn(tables.Column):
    """An amount: right-aligned, tabular figures, two decimals (billing's amounts have more: a cell shows them
    rounded, the CSV export keeps them)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "numeric"}, "th": {"class": "numeric"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return round_money(value)

    def value(self, value):
        return value
