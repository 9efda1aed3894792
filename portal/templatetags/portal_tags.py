from django import template
from django.utils.safestring import mark_safe
from django_countries import countries

from portal.money import amount_text, round_money
from portal.money import percent as as_percent
from portal.permissions import Right, mask
from portal.tables import QueryStrings, header_cells, localized_money, page_items, page_sizes, rendered_rows

register = template.Library()


@register.filter
def personal(value, rights):
    """Personal data as the role may see it: ``{{ contact.email|personal:rights }}``."""
    if str(Right.PERSONAL_DATA) in rights:
        return "" if value is None else str(value)
    return mask(value)


@register.filter
def percent(value):
    """``{{ accrual.rate|percent }}``: 15.00% (15,00% in Russian)."""
    return as_percent(value)


@register.filter
def money(value):
    """An amount on a page: rounded once, half up, to two decimals (billing's amounts have more)."""
    return "" if value is None or value == "" else round_money(value)


@register.filter
def country_name(code):
    """``{{ partner.country|country_name }}``: a country's name in the active language from its code (RU:
    Russia, Россия); "—" for none."""
    return (countries.name(code) or code) if code else "—"


@register.filter
def amount(value, currency):
    """``{{ withdrawal.amount|amount:withdrawal.currency }}``: an amount in a sentence, in the active language
    (15,000.00 RUB; 15 000,00 RUB in Russian) — in an email, the recipient's."""
    return amount_text(value, currency)


@register.simple_tag(takes_context=True)
def table_rows(context, table):
    """The table's page of rows rendered (portal/tables.py ``rendered_rows``), for ``portal/table.html``:
    ``{% table_rows table as rows %}``."""
    return rendered_rows(table, context)


@register.simple_tag(takes_context=True)
def table_header(context, table):
    """The table's ``<th>`` cells with their sort links (portal/tables.py ``header_cells``)."""
    return header_cells(table, context)


@register.simple_tag(takes_context=True)
def table_pages(context, table):
    """The pagination's numbered items (portal/tables.py ``page_items``)."""
    return page_items(table, context)


@register.simple_tag(takes_context=True)
def table_page_sizes(context, table):
    """The table's rows-per-page links (portal/tables.py ``page_sizes``)."""
    paginator = getattr(table, "paginator", None)
    return page_sizes(context, paginator, table.prefixed_page_field, table.prefixed_per_page_field)


@register.simple_tag(takes_context=True)
def list_page_sizes(context, paginator):
    """A page's own list (``portal/_pagination.html``): its rows-per-page links."""
    return page_sizes(context, paginator)


@register.simple_tag(takes_context=True)
def page_query(context, table, number):
    """``{% querystring_replace table.prefixed_page_field=number %}``: the query string of that page."""
    return QueryStrings(context).replaced(table.prefixed_page_field, number)


@register.simple_tag(takes_context=True)
def money_cells(context, pairs, emphasis=False):
    """``<td class="numeric">first<br>second</td>`` per pair of amounts (the second in ``<strong>`` with
    ``emphasis``), each amount as ``{{ amount|money }}`` writes it: a row of months in one call rather than a
    template loop over each (Bonuses by month: fifty customers × a dozen months a page)."""
    text = localized_money(context.use_l10n)

    shown = "<strong>{}</strong>" if emphasis else "{}"
    cell = f'<td class="numeric">{{}}<br>{shown}</td>'
    # format_html_join's output, for a third of its time: each amount escaped once, the row marked safe once
    return mark_safe("".join([cell.format(text(first), text(second)) for first, second in pairs]))  # noqa: S308
