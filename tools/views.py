from django.utils.translation import gettext_lazy as _

from portal.permissions import Right
from portal.views import PortalDetailView, PortalListView

from .filters import PresaleRequestFilter, RegistrationFilter, ResourceFilter
from .models import PresaleRequest, Registration, Resource
from .tables import PresaleRequestTable, RegistrationTable, ResourceTable


class RegistrationListView(PortalListView):
    queryset = Registration.objects.select_related("account")
    filterset_class = RegistrationFilter
    table_class = RegistrationTable
    right = Right.TOOLS_VIEW
    section = "tools"
    title = _("Deal and project registrations")


class RegistrationDetailView(PortalDetailView):
    queryset = Registration.objects.select_related("account", "created_by")
    right = Right.TOOLS_VIEW
    section = "tools"


class PresaleRequestListView(PortalListView):
    queryset = PresaleRequest.objects.select_related("account")
    filterset_class = PresaleRequestFilter
    table_class = PresaleRequestTable
    right = Right.TOOLS_VIEW
    section = "tools"
    title = _("Presale requests")


class PresaleRequestDetailView(PortalDetailView):
    queryset = PresaleRequest.objects.select_related("account", "created_by")
    right = Right.TOOLS_VIEW
    section = "tools"


class ResourceListView(PortalListView):
    """The provider's catalogue: the same for every partner, so it is not tenant-scoped."""

    queryset = Resource.objects.all()
    filterset_class = ResourceFilter
    table_class = ResourceTable
    right = Right.TOOLS_VIEW
    section = "tools"
    title = _("Partner resources")

    def get_queryset(self):
        return self.queryset.all()
