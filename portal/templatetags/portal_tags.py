from django import template

from portal.money import round_money
from portal.permissions import Right, mask

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
