from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from portal.permissions import Right
from portal.views import PortalListView, PortalUpdateView

from . import services
from .filters import AuditEventFilter, MembershipFilter
from .forms import MembershipForm
from .models import AuditEvent, Membership
from .tables import AuditEventTable, MembershipTable


class MemberListView(PortalListView):
    queryset = Membership.objects.select_related("user")
    filterset_class = MembershipFilter
    table_class = MembershipTable
    right = Right.ACCESS_MANAGE
    section = "access"
    title = _("Users and roles")


class MemberUpdateView(PortalUpdateView):
    queryset = Membership.objects.select_related("user")
    form_class = MembershipForm
    right = Right.ACCESS_MANAGE
    section = "access"
    title = _("Edit user access")
    success_message = _("Access of %(object)s saved.")
    success_url = reverse_lazy("access:members")

    def save_object(self, form):
        return services.membership_update(
            membership=self.get_object(),
            actor=self.request.user,
            role=form.cleaned_data["role"],
            restricted=form.cleaned_data["restricted"],
        )


class AuditEventListView(PortalListView):
    queryset = AuditEvent.objects.select_related("actor")
    filterset_class = AuditEventFilter
    table_class = AuditEventTable
    right = Right.ACCESS_MANAGE
    section = "access"
    title = _("Audit trail")
