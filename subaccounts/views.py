from django.utils.translation import gettext_lazy as _

from portal.permissions import Right
from portal.views import PortalDetailView, PortalListView

from .filters import SubaccountFilter
from .models import Subaccount
from .selectors import subaccount_status_counts
from .tables import SubaccountTable


class SubaccountListView(PortalListView):
    queryset = Subaccount.objects.select_related("account")
    filterset_class = SubaccountFilter
    table_class = SubaccountTable
    right = Right.ACCOUNTS_VIEW
    section = "subaccounts"
    title = _("Subaccounts")
    template_name = "subaccounts/subaccount_list.html"

    def get_context_data(self, **kwargs):
        kwargs["status_counts"] = [
            (value, label, count)
            for (value, label), count in zip(
                Subaccount.Status.choices,
                subaccount_status_counts(queryset=self.get_queryset()).values(),
                strict=True,
            )
        ]
        return super().get_context_data(**kwargs)


class SubaccountDetailView(PortalDetailView):
    queryset = Subaccount.objects.select_related("account")
    right = Right.ACCOUNTS_VIEW
    section = "subaccounts"

    def get_context_data(self, **kwargs):
        kwargs["events"] = self.object.events.select_related("actor")
        return super().get_context_data(**kwargs)
