from django import template

from portal.money import round_money
from portal.permissions import Right, mask
from portal.tables import rendered_rows

register = template.Library()


@register.filter
def personal(value, rights):
    """Personal data as the role may see it: ``{{ contact.email|personal:rights }}``."""
    if str(Right.PERSONAL_DATA) in rights:
        return "" if value is None else str(value)
    return mask(value)


@register.filter
def money(value):
    """An amount on a page: rounded once, half up, to two decimals (billing's amounts have more)."""
    return "" if value is None or value == "" else round_money(value)


@register.simple_tag(takes_context=True)
def table_rows(context, table):
    """The table's page of rows rendered (portal/tables.py ``rendered_rows``), for ``portal/table.html``:
    ``{% table_rows table as rows %}``."""
    return rendered_rows(table, context)
