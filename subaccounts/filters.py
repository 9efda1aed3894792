import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from portal.models import AnyOf
from portal.widgets import SearchSelect

from .models import Subaccount


def partner_accounts(request):
    """Account choices: what the membership may see, never another partner's."""
    if request is None or request.membership is None:
        return Account.objects.none()
    return Account.objects.restrict(request.membership).order_by("name")


class SubaccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    account = django_filters.ModelChoiceFilter(
        queryset=partner_accounts, label=_("Customer"), widget=SearchSelect("accounts:search")
    )

    class Meta:
        model = Subaccount
        fields = ["q", "status", "account"]

    def search(self, queryset, name, value):
        """The subaccount's name or billing account id, or its customer's name: the customers are searched
        once each (a subquery of the partner's accounts), not once per subaccount on a join. Each part can
        read its trigram index where the server has one (subaccounts migration 0005)."""
        customers = partner_accounts(self.request).filter(name__icontains=value).values("pk")
        return queryset.filter(
            Q(name__icontains=value) | Q(billing_account_id__icontains=value) | AnyOf("account_id", customers)
        )
