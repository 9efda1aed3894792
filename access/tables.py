import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.tables import (
    ACTIONS_HEADER,
    BooleanColumn,
    DateTimeColumn,
    PortalTable,
    StatusColumn,
    TemplateColumn,
)

from .audit import action_label, describe
from .models import ApiToken, AuditEvent, Invitation, Membership, Notification


class MembershipTable(PortalTable):
    name = tables.Column(accessor="user__first_name", verbose_name=_("Name"), order_by=("user__last_name",))
    email = tables.Column(
        accessor="user__email", verbose_name=_("Email"), linkify=("access:member_edit", [tables.A("pk")])
    )
    role = tables.Column()
    restricted = BooleanColumn(verbose_name=_("Selected accounts only"))
    two_factor = BooleanColumn(verbose_name=_("Two-factor"))
    last_login = DateTimeColumn(accessor="user__last_login", verbose_name=_("Last login"))
    status = tables.Column(empty_values=(), orderable=False, verbose_name=_("Status"))

    class Meta:
        model = Membership
        fields = ("name", "email", "role", "restricted", "two_factor", "last_login", "status")
        empty_text = _("No users yet.")

    def render_name(self, record):
        return record.user.get_full_name() or "—"

    def render_status(self, record):

        return format_html(
            '<span class="badge badge--{}">{}</span>', record.status, record.Status(record.status).label
        )

    def value_status(self, record):
        return record.Status(record.status).label


class InvitationTable(PortalTable):
    status = StatusColumn()
    invited_by = tables.Column(accessor="invited_by__email", verbose_name=_("Invited by"))
    actions = TemplateColumn(
        template_name="access/_invitation_actions.html",
        verbose_name=ACTIONS_HEADER,
        orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        model = Invitation
        fields = ("email", "role", "restricted", "status", "invited_by", "sent_at", "expires_at")
        empty_text = _("No invitations yet.")


class AuditEventTable(PortalTable):
    created_at = DateTimeColumn(verbose_name=_("When"))
    actor = tables.Column(accessor="actor__email", verbose_name=_("Who"))
    action = tables.Column(verbose_name=_("What"))
    target = tables.Column(verbose_name=_("Target"))
    ip_address = tables.Column(verbose_name=_("IP address"))
    details = tables.Column(verbose_name=_("Details"), orderable=False, empty_values=())

    def render_action(self, value):
        return action_label(value)

    def value_action(self, value):
        return action_label(value)

    def render_details(self, value):
        return describe(value) or "—"

    def value_details(self, value):
        return describe(value)

    class Meta:
        model = AuditEvent
        fields = ("created_at", "actor", "action", "target", "ip_address", "details")
        empty_text = _("Nothing recorded yet.")


class NotificationTable(PortalTable):
    """Newest first; an unread one in bold; its sentence opens it (a POST: opening marks it read)."""

    text = TemplateColumn(
        template_name="access/_notification_open.html", verbose_name=_("Notification"), orderable=False
    )
    kind = tables.Column()
    created_at = DateTimeColumn(verbose_name=_("Date"))
    read_at = DateTimeColumn(verbose_name=_("Read"))

    class Meta:
        model = Notification
        fields = ("text", "kind", "created_at", "read_at")
        order_by = ("-created_at",)
        empty_text = _("No notifications yet. What the portal emails you about also appears here.")
        row_attrs = {"class": lambda record: "" if record.read_at else "notification--unread"}

    def value_text(self, record):
        return record.text


class ApiTokenTable(PortalTable):
    user = tables.Column(accessor="membership__user__email", verbose_name=_("User"))
    scopes = tables.Column(verbose_name=_("Scopes"), orderable=False)
    status = tables.Column(empty_values=(), orderable=False, verbose_name=_("Status"))
    created_at = DateTimeColumn()
    last_used_at = DateTimeColumn()
    expires_at = DateTimeColumn()
    actions = TemplateColumn(
        template_name="access/_token_actions.html",
        verbose_name=ACTIONS_HEADER,
        orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        model = ApiToken
        fields = ("name", "user", "scopes", "created_at", "last_used_at", "expires_at", "status")
        empty_text = _("No API tokens yet.")

    def render_scopes(self, value):
        return "; ".join(
            f"{ApiToken.Section(section).label}: {ApiToken.Level(level).label}"
            for section, level in sorted(value.items())
        )

    value_scopes = render_scopes

    def render_status(self, record):
        return str(record.status)

    value_status = render_status
