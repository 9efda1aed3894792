import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Account


class AccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    archived = django_filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True, label=_("Archived")
    )

    class Meta:
        model = Account
        fields = ["q", "stage", "country", "archived"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(legal_name__icontains=value)
            | Q(tax_id__icontains=value)
            | Q(contacts__email__icontains=value)
        ).distinct()
