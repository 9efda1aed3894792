import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Subaccount


class SubaccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Subaccount
        fields = ["q", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(billing_account_id__icontains=value)
            | Q(account__name__icontains=value)
        )
