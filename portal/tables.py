"""The table base every list uses: personal data masked for roles without the right; template columns
compiled once, dates formatted without a template; the page's rows rendered in Python for the table
template (``templates/portal/table.html``), the same HTML as django-tables2's own template."""

import datetime
import inspect
from decimal import Decimal
from functools import lru_cache, partialmethod
from inspect import getattr_static
from types import MethodType

import django_tables2 as tables
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.paginator import Paginator
from django.db import models
from django.template import Context, Template, defaultfilters
from django.template.base import render_value_in_context
from django.templatetags.l10n import localize, unlocalize
from django.utils import numberformat
from django.utils.encoding import force_str
from django.utils.formats import get_format
from django.utils.hashable import make_hashable
from django.utils.html import conditional_escape, escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.timezone import template_localtime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_tables2.columns import library
from django_tables2.columns.base import LinkTransform
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.columns.manytomanycolumn import ManyToManyColumn
from django_tables2.data import TableData
from django_tables2.rows import BoundPinnedRow
from django_tables2.templatetags.django_tables2 import table_page_range
from django_tables2.utils import A, AttributeDict, signature

from portal.money import round_money
from portal.pagination import PAGE_SIZES, page_size
from portal.permissions import Right, mask

# the header of a column of the row's actions (links): named for screen readers, blank on the screen — a
# header without a name is announced as nothing (axe's empty-table-header)
ACTIONS_HEADER = mark_safe(format_lazy('<span class="sr-only">{}</span>', _("Actions")))  # noqa: S308
# a column a phone hides (static/css/portal.css, "Column priorities"): what a row says beyond its key figures;
# the table's "All columns" switch (templates/portal/_table.html) shows it again
OPTIONAL = {"th": {"class": "col-optional"}, "td": {"class": "col-optional"}, "tf": {"class": "col-optional"}}


def optional(attrs: dict | None = None) -> dict:
    """``attrs`` of a column a phone hides: ``OPTIONAL``'s class added to each cell's own."""
    merged = {part: dict(cell) for part, cell in (attrs or {}).items()}
    for part, cell in OPTIONAL.items():
        own = merged.setdefault(part, {})
        own["class"] = " ".join(filter(None, [own.get("class"), cell["class"]]))
    return merged


class PortalTable(tables.Table):
    # the columns a phone hides (OPTIONAL): what a row says beyond its key columns
    optional_columns: tuple[str, ...] = ()

    def __init__(self, *args, membership=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.optional_columns:  # the table's own copy of its columns (django-tables2 copies them)
            column = self.columns[name].column
            column.attrs = optional(column.attrs)
        self.show_personal_data = bool(membership and membership.has(Right.PERSONAL_DATA))
        if (
            membership is not None
            and membership.restricted
            and getattr(self._meta.model, "account_field", None)
        ):
            # the partner may have many; this member sees some customers only: say whose rows are missing
            self.empty_text = _(
                "Nothing here for the customers you can see: your access covers some customers only."
            )

    def paginate(self, paginator_class=Paginator, per_page=None, page=1, *args, **kwargs):
        # django-tables2 takes ?per_page= as given: only the sizes the page offers (PAGE_SIZES)
        return super().paginate(paginator_class, page_size(per_page), page, *args, **kwargs)


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


class NumericColumn(tables.Column):
    """A figure: right-aligned, tabular figures; a subclass writes it for the page, the CSV export keeps the
    value itself."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "numeric"}, "th": {"class": "numeric"}})
        super().__init__(*args, **kwargs)

    def value(self, value):
        return value


class MoneyColumn(NumericColumn):
    """An amount: two decimals (billing's amounts have more: a cell shows them rounded, the CSV export keeps
    them)."""

    def render(self, value):
        return round_money(value)


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
        self.for_people = format is None  # the language's format; a format named here is ISO (Y-m, Y-m-d)
        self.written = {}  # (date, language) -> text; each table has its own copy of its columns

    def render(self, value, bound_column):
        if type(value) is datetime.date:  # no time zone: a day is one text (a list's months repeat)
            key = (value, get_language())
            text = self.written.get(key)
            if text is None:
                text = self.written[key] = defaultfilters.date(value, self.date_format)
        else:
            text = defaultfilters.date(template_localtime(value), self.date_format)
        return conditional_escape(text) if text else bound_column.default

    def value(self, value, bound_column):
        """The CSV's cell, for a machine as the other cells: the date itself (portal/csv.py writes it ISO, a
        time in the provider's zone: 2026-11-25 23:19), not "25 Nov 2026" in the exporter's language; a
        column whose format is named here (ISO already) as the page shows it."""
        if self.for_people:
            return value
        return self.render(value, bound_column)


# registered: the columns django-tables2 picks for model date and datetime fields are these
@library.register
class DateColumn(FormattedDateMixin, tables.DateColumn):
    default_formats = ("SHORT_DATE_FORMAT", "DATE_FORMAT")


@library.register
class DateTimeColumn(FormattedDateMixin, tables.DateTimeColumn):
    default_formats = ("SHORT_DATETIME_FORMAT", "DATETIME_FORMAT")


@library.register
class BooleanColumn(tables.BooleanColumn):
    """django-tables2's boolean cell (``<span class="true">✔</span>``), with the model field behind the
    accessor looked up once per model instead of once per cell, and each of the two cells written once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {}  # the record's class -> the field the accessor ends at (or None)
        self.written = {}  # True / False -> the cell; each table has its own copy of its columns

    def _get_bool_value(self, record, value, bound_column):
        if hasattr(record, "_meta"):
            kind = type(record)
            if kind not in self.fields:
                self.fields[kind] = bound_column.accessor.get_field(record)
            field = self.fields[kind]
            if hasattr(field, "choices") and field.choices is not None and len(field.choices) > 0:
                value = next(val for val, name in field.choices if name == value)
        return bool(value)

    def render(self, value, record, bound_column):
        value = self._get_bool_value(record, value, bound_column)
        if value not in self.written:
            attrs = {"class": str(value).lower(), **self.attrs.get("span", {})}
            text = escape(self.yesno[int(not value)])
            self.written[value] = format_html("<span {}>{}</span>", AttributeDict(attrs).as_html(), text)
        return self.written[value]


NUMBERS = (Decimal, int, float)  # exactly these types (not bool): what localize() formats as a number


def number_formats(use_l10n=None):
    """The language's (decimal separator, grouping, thousands separator) and, where Python's own formatting
    writes what ``numberformat.format`` writes (no grouping, or by threes), its format spec; looked up once
    for a page of figures instead of once per figure."""
    lang = get_language()
    separator, grouping, thousands = (
        get_format(name, lang, use_l10n=True)
        for name in ("DECIMAL_SEPARATOR", "NUMBER_GROUPING", "THOUSAND_SEPARATOR")
    )
    grouped = settings.USE_THOUSAND_SEPARATOR and grouping != 0
    spec = (",f" if grouped else "f") if not grouped or grouping == 3 else None
    return separator, grouping, thousands, grouped, spec


def localized_numbers(use_l10n=None):
    """``localize(number, use_l10n)`` as the template applies it to a figure, with the language's separators
    looked up once for a page of figures instead of once per figure."""
    if use_l10n is False:
        return str
    separator, grouping, thousands, grouped, spec = number_formats(use_l10n)
    # numberformat.format's output for a Decimal or an int, from Python's own formatting with the separators
    # put in: a fraction of its time (Bonuses by month: 1,200 amounts a page)
    marks = str.maketrans({".": separator, ",": thousands} if grouped else {".": separator})

    def text(number) -> str:
        kind = type(number)
        if spec and kind is Decimal and number.is_finite():
            _, digits, exponent = number.as_tuple()
            if abs(exponent) + len(digits) <= 200:  # numberformat's own cut-off for scientific notation
                return format(number, spec).translate(marks)
        elif spec and kind is int:
            return format(number, ",d").translate(marks) if grouped else str(number)
        return numberformat.format(number, separator, None, grouping, thousands, use_l10n=True)

    return text


def localized_money(use_l10n=None):
    """``{{ amount|money }}`` for a page of amounts, as HTML: rounded half up to two decimals, localized as
    ``localized_numbers`` localizes, escaped; "" for None or "". A rounded amount has two decimals and no
    more digits than the decimal context's precision, so Python's formatting always applies."""
    numbers = localized_numbers(use_l10n)
    spec = None if use_l10n is False else number_formats(use_l10n)[4]
    if spec is None:
        return lambda amount: "" if amount is None or amount == "" else escape(numbers(round_money(amount)))
    separator, _, thousands, grouped, _ = number_formats(use_l10n)
    escaped = {".": escape(separator), ",": escape(thousands)} if grouped else {".": escape(separator)}
    marks = str.maketrans(escaped)  # digits and a minus need no escaping: the separators are escaped here

    def text(amount) -> str:
        if amount is None or amount == "":
            return ""
        return format(round_money(amount), spec).translate(marks)

    return text


MISSING = object()  # a path the fast lookup leaves to django-tables2's own


def attribute_path(bits: tuple[str, ...], record):
    """``Accessor.resolve`` for a path of plain model attributes (``account__name``): what it gives, or
    MISSING where it would do more than read an attribute (a dict or a list, a callable, an error) — then
    the accessor's own lookup is used."""
    current = record
    for bit in bits:
        if not isinstance(current, models.Model) or hasattr(type(current), "__getitem__"):
            return MISSING
        try:
            current = getattr(current, bit)
        except Exception:
            return MISSING
        if callable(current):
            return MISSING
        if current is None:
            break
    return current


@lru_cache(maxsize=1024)
def wanted_arguments(function, method: bool) -> tuple[tuple[str, ...] | None, bool]:
    """``CellRenderer.wanted`` of a function, or of it bound to an object (``method``): a column's methods are
    bound anew for every table, and a bound method's signature is the same whatever the object."""
    names, catch_all = signature(MethodType(function, object()) if method else function)
    if catch_all:
        return None, False
    return names, any(n not in CellRenderer.ARGUMENTS for n in names)


def display_field(model: type, name: str):
    """The model field whose ``get_<name>_display()`` is Django's own (then its label comes from a dict built
    once per table); None when the model defines the method itself, or has none."""
    method = getattr_static(model, f"get_{name}_display", None)
    if isinstance(method, partialmethod) and method.func is models.Model._get_FIELD_display:
        return method.keywords.get("field")
    return None


class CellRenderer:
    """One column's cells as django-tables2's table template renders them (``BoundRow.get_cell``, then
    ``<td {{ column.attrs.td.as_html }}>{{ cell }}</td>``), with what does not change from row to row worked
    out once per table instead of once per cell: the accessor split, the render method's and the link's
    signatures, the choices' labels of the model field and — unless an attribute is computed from the row —
    the ``td`` attributes. A plain path of model attributes is read directly; anything else takes
    django-tables2's own ``Accessor.resolve``."""

    ARGUMENTS = ("value", "record", "column", "bound_column", "bound_row", "table")

    def __init__(self, table, bound_column):
        self.table = table
        self.bound_column = bound_column
        self.column = bound_column.column
        self.accessor = A(bound_column.accessor)
        path, _, self.remainder = self.accessor.rpartition(self.accessor.SEPARATOR)
        self.path = A(path)
        self.path_bits = tuple(self.path.bits)
        self.last = A(self.remainder)
        self.last_bits = tuple(self.last.bits)
        self.render = bound_column.render
        self.arguments, self.uncallable = self.wanted(self.render)
        self.link = bound_column.link
        self.href = self.fast_href(self.link)
        self.many_to_many = isinstance(self.column, ManyToManyColumn)
        self.text_link = isinstance(self.column, BaseLinkColumn) and self.column.text is not None
        self.choices = {}  # the record's class -> whether the accessor ends at a model field with choices
        self.labels = {}  # the penultimate object's class -> (field, {value: label}) or None
        if self.column.localize is None:
            self.filter = None
        else:
            self.filter = localize if self.column.localize else unlocalize
        self.td = None if self.computed_attrs() else bound_column.attrs["td"].as_html()

    def wanted(self, function) -> tuple[tuple[str, ...] | None, bool]:
        """The arguments ``function`` takes (None: every one) and whether it asks for one that django-tables2
        cannot give (then it is not called)."""
        if inspect.ismethod(function):
            return wanted_arguments(function.__func__, method=True)
        return wanted_arguments(function, method=False)

    def fast_href(self, link):
        """The link's URL from a row, without django-tables2's per-cell ``inspect.signature`` and
        ``Accessor``: for a link with no attributes of its own (``linkify=True`` or a callable of the row);
        None leaves every other link to django-tables2."""
        if type(link) is not LinkTransform or link.attrs or link.reverse_args:
            return None
        if callable(link.url):
            arguments, uncallable = self.wanted(link.url)
            if uncallable:
                return None
            return lambda kwargs: link.url(
                **(kwargs if arguments is None else {n: kwargs[n] for n in arguments})
            )
        if link.url is not None:
            return None
        bits = tuple(A(link.accessor if link.accessor is not None else self.bound_column.name).bits)

        def href(kwargs):
            record = kwargs["record"]
            target = attribute_path(bits, record) if bits else record
            if target is MISSING:
                return MISSING
            if not hasattr(target, "get_absolute_url"):
                if not hasattr(record, "get_absolute_url"):
                    return MISSING  # django-tables2 raises its own error
                target = record
            return target.get_absolute_url()

        return href

    def computed_attrs(self) -> bool:
        """Whether a ``td`` attribute of this column is computed from the row (then it is, per cell)."""
        merged = {**self.table.attrs, **self.column.attrs}
        td = merged.get("td", merged.get("cell", {}))
        return any(callable(v) or isinstance(v, dict) for v in td.values())

    def has_choices(self, record) -> bool:
        kind = type(record)
        if kind not in self.choices:
            field = self.accessor.get_field(record)
            self.choices[kind] = bool(getattr(field, "choices", ()))
        return self.choices[kind]

    def choice_labels(self, model: type):
        """(field, {value: label}) for Django's own ``get_<field>_display()`` of ``model``: its labels in the
        language of this table's render, built once."""
        if model not in self.labels:
            field = display_field(model, self.remainder)
            self.labels[model] = field and (
                field,
                {make_hashable(k): force_str(v, strings_only=True) for k, v in field.flatchoices},
            )
        return self.labels[model]

    def display(self, obj):
        """``obj.get_<field>_display()``: the label from the dict built once where the method is Django's."""
        labels = self.choice_labels(type(obj))
        if labels is None:
            return getattr(obj, f"get_{self.remainder}_display")()
        field, by_value = labels
        value = getattr(obj, field.attname)
        label = by_value.get(make_hashable(value), MISSING)
        return force_str(value, strings_only=True) if label is MISSING else label

    def call_render(self, row, value):
        kwargs = {
            "value": value,
            "record": row.record,
            "column": self.column,
            "bound_column": self.bound_column,
            "bound_row": row,
            "table": self.table,
        }
        if self.uncallable:
            content = None
        elif self.arguments is None:
            content = self.render(**kwargs)
        else:
            content = self.render(**{name: kwargs[name] for name in self.arguments})
        if not self.link:
            return content
        if self.href is not None:
            href = self.href(kwargs)
            if href is None:
                return content
            if href is not MISSING:
                return format_html('<a href="{}">{}</a>', href, content)
        return self.link(content, **kwargs)

    def cell(self, row):
        """The cell's content, exactly as ``BoundRow.get_cell`` gives it."""
        record = row.record
        value = None
        remainder = self.remainder
        penultimate = attribute_path(self.path_bits, record)  # () : the record
        read = penultimate is not MISSING  # the path read as django-tables2 would: the last step from it
        if not read:
            penultimate = self.path.resolve(record, quiet=True)
        if isinstance(penultimate, models.Model):
            try:
                if hasattr(penultimate, f"get_{remainder}_display") and self.has_choices(record):
                    value = self.display(penultimate)
                    remainder = None
            except FieldDoesNotExist:
                pass
        if remainder:
            try:
                if not read:
                    value = self.accessor.resolve(record)
                elif penultimate is None and self.path_bits:
                    value = None  # the accessor stops at a missing relation
                else:
                    value = attribute_path(self.last_bits, penultimate)
                    if value is MISSING:
                        value = self.last.resolve(penultimate)
            except Exception:
                value = None
                if self.text_link:
                    return self.call_render(row, None)
        if value in self.column.empty_values or (self.many_to_many and not value.exists()):
            return self.bound_column.default
        return self.call_render(row, value)

    def html(self, row, content, context, numbers) -> str:
        """``<td …>content</td>`` as the template writes it: ``{{ cell }}`` (or ``|localize``, ``|unlocalize``
        as the column says), autoescaped; both parts come out escaped. ``numbers``: localized_numbers()."""
        td = self.td
        if td is None:
            self.bound_column.current_value, self.bound_column.current_record = content, row.record
            td = self.bound_column.attrs["td"].as_html()
        if self.filter is not None:
            content = self.filter(content)  # neither filter is safe: the template escapes what it returns
        elif type(content) in NUMBERS and context.autoescape:
            return f"<td {td}>{conditional_escape(numbers(content))}</td>"
        return f"<td {td}>{render_value_in_context(content, context)}</td>"


def rendered_rows(table, context) -> list[tuple[str, str]]:
    """The rows of the table's page as ``(tr attributes, the row's <td> cells)``, HTML both: what the table
    template writes between ``<tr {{ … }}>`` and ``</tr>``."""
    renderers = [CellRenderer(table, column) for column in table.columns]
    numbers = localized_numbers(context.use_l10n)
    row_attrs = static_row_attrs(table)
    rows = []
    for row in table.paginated_rows:
        if isinstance(row, BoundPinnedRow):  # a pinned row's cells come django-tables2's own way
            contents = [row.get_cell(renderer.bound_column.name) for renderer in renderers]
            attrs = row.attrs.as_html()
        else:
            contents = [renderer.cell(row) for renderer in renderers]
            attrs = row_attrs[row.get_even_odd_css_class()] if row_attrs else row.attrs.as_html()
        cells = "".join(
            r.html(row, content, context, numbers) for r, content in zip(renderers, contents, strict=True)
        )
        rows.append((attrs, mark_safe(cells)))  # noqa: S308 - each part escaped in html()
    return rows


def static_row_attrs(table) -> dict[str, str] | None:
    """``BoundRow.attrs.as_html()`` of an even and an odd row, when no ``row_attrs`` is computed from the row
    (else None: then per row)."""
    if any(callable(v) or isinstance(v, dict) for v in table.row_attrs.values()):
        return None
    written = {}
    for parity in ("even", "odd"):
        attrs = dict(table.row_attrs)
        attrs["class"] = f"{attrs['class']} {parity}" if attrs.get("class") else parity
        written[parity] = AttributeDict(attrs).as_html()
    return written


def sql_order(aliases, columns: dict[str, str], ties: tuple[str, ...], default: str) -> str:
    """The ``ORDER BY`` of django-tables2's sort ``aliases`` (``-`` for descending) for a table whose data
    sorts in its own SQL: each alias that ``columns`` knows as its expression, then ``ties`` for a stable
    order; ``default`` when none is known (an address may ask for anything; only known names reach SQL)."""
    chosen = [
        f"{columns[alias.lstrip('-')]}{' DESC' if alias.startswith('-') else ''}"
        for alias in aliases
        if alias.lstrip("-") in columns
    ]
    return ", ".join([*chosen, *ties]) if chosen else default


class SqlPagedData(TableData):
    """A table's data whose sort and page its own SQL does (django-tables2 asks it for ``len()`` and a slice):
    ``page`` is the slice of rows the request asked for, read once by ``page_rows()`` with the count;
    the paginator's slice of that page (the last page cut short) needs no second query, any other slice is
    read by ``rows_at(limit, offset)``."""

    def __init__(self, page: slice):
        super().__init__(data=None)
        self.page = page

    def page_rows(self) -> list:
        raise NotImplementedError

    def rows_at(self, limit: int, offset: int) -> list:
        raise NotImplementedError

    def __iter__(self):
        return iter(self.page_rows())

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        start = key.start or 0
        if self.page.start <= start and key.stop <= self.page.stop:
            return self.page_rows()[start - self.page.start : key.stop - self.page.start]
        return self.rows_at(key.stop - start, start)


class QueryStrings:
    """``{% querystring_replace key=value %}`` of django-tables2 — the request's query string with one
    parameter replaced, escaped — for every sort and page link of a table, from one copy of the request's
    parameters (the template tag copies them, and resolves its arguments, per link)."""

    def __init__(self, context):
        if "request" not in context:
            raise ImproperlyConfigured("the table template needs the request in its context")
        self.params = dict(context["request"].GET)

    def replaced(self, key, value) -> str:
        params = self.params if key in ("", None) else {**self.params, key: value}
        return escape("?" + urlencode(params, doseq=True))


def page_sizes(context, paginator, page_field="page", per_page_field="per_page") -> str:
    """ "Rows per page: 25 50 100" under a list longer than the smallest page: each a link to the first page
    at that size (the current one marked), the rest of the request's parameters kept."""
    if paginator is None or paginator.count <= PAGE_SIZES[0]:
        return ""
    links = QueryStrings(context)
    links.params.pop(page_field, None)
    marks = {size: ' aria-current="true"' if size == paginator.per_page else "" for size in PAGE_SIZES}
    items = [
        f'<a href="{links.replaced(per_page_field, size)}"{marks[size]}>{size}</a>' for size in PAGE_SIZES
    ]
    return format_html(
        '<p class="page-sizes"><span>{}</span> {}</p>',
        _("Rows per page"),
        mark_safe(" ".join(items)),  # noqa: S308 - numbers, and links escaped by QueryStrings
    )


def header_cells(table, context) -> str:
    """The header's ``<th>`` cells as ``portal/table.html`` wrote them in a loop over the columns (``{{
    column.header }}`` escaped, a sortable column's header a link that sorts by it the other way)."""
    links = QueryStrings(context)
    key = table.prefixed_order_by_field
    cells = []
    for column in table.columns:
        header = render_value_in_context(column.header, context)
        if column.orderable:
            header = f'<a href="{links.replaced(key, column.order_by_alias.next)}">{header}</a>'
        cells.append(f"\n<th {column.attrs['th'].as_html()}>{header}</th>\n")
    return mark_safe("".join(cells))  # noqa: S308 - the header escaped, the attributes and links by their makers


def page_items(table, context) -> str:
    """The pagination's numbered ``<li>`` items as ``portal/table.html`` wrote them in a loop over
    ``table_page_range`` (the current page marked active, a gap as ``…`` linking nowhere)."""
    links = QueryStrings(context)
    key, number = table.prefixed_page_field, table.page.number
    items = []
    for p in table_page_range(table.page, table.paginator):
        shown = render_value_in_context(p, context)
        href = "#" if p == "..." else links.replaced(key, p)
        active = 'class="active"' if p == number else ""
        items.append(f'\n<li {active}><a href="{href}">{shown}</a></li>\n')
    return mark_safe("".join(items))  # noqa: S308 - the numbers escaped, the links by QueryStrings
