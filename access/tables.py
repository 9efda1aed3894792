import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from portal.tables import PortalTable

from .models import AuditEvent, Membership


class MembershipTable(PortalTable):
    user = tables.Column(
        accessor="user__email", verbose_name=_("User"), linkify=("access:member_edit", [tables.A("pk")])
    )
    restricted = tables.BooleanColumn(verbose_name=_("Selected accounts only"))

    class Meta:
        model = Membership
        fields = ("user", "role", "restricted", "created_at")
        empty_text = _("No users yet.")


class AuditEventTable(PortalTable):
    actor = tables.Column(accessor="actor__email", verbose_name=_("Who"))

    class Meta:
        model = AuditEvent
        fields = ("created_at", "actor", "action", "target")
        empty_text = _("No access changes recorded yet.")
