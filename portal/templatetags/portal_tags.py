from django import template

from portal.money import round_money
from portal.permissions import Right, mask_email, mask_text

register = template.Library()


@register.filter
def personal(value, rights):
    """Personal data as the role may see it: ``{{ contact.email|personal:rights }}``."""
    value = "" if value is None else str(value)
    if str(Right.PERSONAL_DATA) in rights:
        return value
    return mask_email(value) if "@" in value else mask_text(value)


@register.filter
def money(value):
    """An amount on a page: rounded once, half up, to two decimals (billing's amounts have more)."""
    return "" if value is None or value == "" else round_money(value)
