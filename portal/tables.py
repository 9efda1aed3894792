"""The table base every list uses: personal data masked for roles without the right; template columns
compiled once, dates formatted without a template."""

from functools import lru_cache

import django_tables2 as tables
from django.template import Context, Template, defaultfilters
from django.utils.html import conditional_escape, format_html
from django.utils.timezone import template_localtime
from django_tables2.columns import library

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


@lru_cache(maxsize=256)
def compiled(template_code: str) -> Template:
    return Template(template_code)


class CompiledTemplateMixin:
    """django-tables2 compiles a column's ``template_code`` anew for every cell (dates too: half a
    millisecond a cell, most of a list page's time); compiled once per code here, rendered the same way."""

    def render(self, record, table, value, bound_column, **kwargs):
        if not self.template_code:
            return super().render(record, table, value, bound_column, **kwargs)
        parent_context = getattr(table, "context", Context())
        context = self.get_context_data(
            record=record, table=table, value=value, bound_column=bound_column, **kwargs
        )
        with parent_context.update(context):
            parent_context["request"] = getattr(table, "request", None)
            return compiled(self.template_code).render(parent_context)


class TemplateColumn(CompiledTemplateMixin, tables.TemplateColumn):
    pass


class FormattedDateMixin:
    """A date or datetime cell formatted here exactly as django-tables2's template for it would
    (``{{ value|date:format|default:default }}``, in the current time zone), without a template render per
    cell."""

    default_formats = ("", "")  # the format named when none is given: (short, long)

    def __init__(self, format=None, short=True, *args, **kwargs):
        super().__init__(format, short, *args, **kwargs)
        self.date_format = format or self.default_formats[0 if short else 1]

    def render(self, value, bound_column):
        text = defaultfilters.date(template_localtime(value), self.date_format)
        return conditional_escape(text) if text else bound_column.default


# registered: the columns django-tables2 picks for model date and datetime fields are these
@library.register
class DateColumn(FormattedDateMixin, tables.DateColumn):
    default_formats = ("SHORT_DATE_FORMAT", "DATE_FORMAT")


@library.register
class DateTimeColumn(FormattedDateMixin, tables.DateTimeColumn):
    default_formats = ("SHORT_DATETIME_FORMAT", "DATETIME_FORMAT")
