from django.utils.translation import gettext_lazy as _

from portal.permissions import Right
from portal.views import PortalDetailView, PortalListView

from . import selectors
from .filters import AccrualFilter
from .models import Accrual
from .tables import AccrualTable


class AccrualListView(PortalListView):
    queryset = Accrual.objects.select_related("subaccount", "term")
    filterset_class = AccrualFilter
    table_class = AccrualTable
    right = Right.FINANCE_VIEW
    section = "finance"
    title = _("Accruals")
    template_name = "finance/accrual_list.html"

    def get_context_data(self, **kwargs):
        kwargs["balances"] = selectors.balances(partner=self.partner)
        return super().get_context_data(**kwargs)


class AccrualDetailView(PortalDetailView):
    queryset = Accrual.objects.select_related("subaccount", "term")
    right = Right.FINANCE_VIEW
    section = "finance"
