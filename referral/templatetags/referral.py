from django import template
from django.utils.html import format_html

from referral import selectors, services

register = template.Library()


@register.simple_tag
def enrollment_closed_banner() -> str:
    """The provider's banner atop every tab of the referral program while it takes no new partners: for
    everyone, partners already in it too (their links and terms stay)."""
    if selectors.program_open():
        return ""
    return format_html('<p class="banner banner--warning" role="status">{}</p>', services.CLOSED)
