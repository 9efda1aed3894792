import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.tables import (
    ACTIONS_HEADER,
    DateColumn,
    DateTimeColumn,
    MoneyColumn,
    PortalTable,
    TemplateColumn,
)

from .models import ReferralLink, ReferredCustomer


class ReferralLinkTable(PortalTable):
    name = tables.Column(verbose_name=_("Name"))
    url = TemplateColumn(template_name="referral/_link_copy.html", verbose_name=_("Link"), orderable=False)
    landing_url = tables.Column(verbose_name=_("Landing page"))
    status = tables.Column(accessor="deactivated_at", verbose_name=_("Status"), empty_values=())
    click_count = tables.Column(verbose_name=_("Clicks"), attrs={"td": {"class": "numeric"}})
    signups = tables.Column(verbose_name=_("Sign-ups"), attrs={"td": {"class": "numeric"}})
    active_customers = tables.Column(verbose_name=_("Active customers"), attrs={"td": {"class": "numeric"}})
    commission = MoneyColumn(verbose_name=_("Commission so far"))
    actions = TemplateColumn(
        "{% load i18n %}{% if record.is_active and 'tools.use' in rights %}"
        '<a href="{% url \'referral:link_send\' record.pk %}">{% translate "Send by email" %}</a> · '
        "<a href=\"{% url 'referral:link_deactivate' record.pk %}\">"
        '{% translate "Deactivate" %}</a>{% endif %}',
        verbose_name=ACTIONS_HEADER,
        orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        model = ReferralLink
        fields = ("name", "url", "landing_url", "created_at", "status", "click_count", "signups")
        sequence = ("name", "url", "landing_url", "created_at", "status", "click_count", "signups", "...")
        empty_text = _(
            "No referral link yet. Create one and share it: customers who sign up through it are yours."
        )

    def render_status(self, value):

        if value is None:
            return format_html('<span class="badge badge--active">{}</span>', _("Active"))
        return format_html('<span class="badge badge--inactive">{}</span>', _("Deactivated"))

    def value_status(self, value):
        return _("Active") if value is None else _("Deactivated")

    def value_url(self, record):
        return record.public_url

    def render_landing_url(self, value):
        return value or _("Home page")


class ReferredCustomerTable(PortalTable):
    account = tables.Column(
        verbose_name=_("Customer"),
        linkify=lambda record: record.account.get_absolute_url(),
        order_by="account__name",
    )
    link = tables.Column(verbose_name=_("Referral link"), order_by="link__name")
    signed_up_at = DateColumn(verbose_name=_("Signed up"))
    consent_at = DateTimeColumn(verbose_name=_("Consent given"))
    commission_until = DateColumn(verbose_name=_("Commission until"), orderable=False)
    commission = MoneyColumn(verbose_name=_("Commission so far"))
    awaiting_payment = tables.Column(
        verbose_name=_("Months awaiting payment"),
        attrs={"td": {"class": "numeric"}},
        # commission for a month is accrued once the customer has paid it
        empty_values=(),
    )

    class Meta:
        model = ReferredCustomer
        fields = (
            "account",
            "link",
            "signed_up_at",
            "consent_at",
            "commission_until",
            "commission",
            "awaiting_payment",
        )
        empty_text = _("No customer has joined through your links yet.")
