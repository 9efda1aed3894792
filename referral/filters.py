import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import ReferralLink, ReferredCustomer


class ReferralLinkFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("active", _("Active")), ("deactivated", _("Deactivated"))],
        empty_label=_("All"),
        method="by_status",
    )

    class Meta:
        model = ReferralLink
        fields = ["q", "status"]

    def by_status(self, queryset, name, value):
        return queryset.filter(deactivated_at__isnull=value == "active")

    def search(self, queryset, name, value):

        return queryset.filter(
            Q(name__icontains=value) | Q(code__icontains=value) | Q(landing_url__icontains=value)
        )


class ReferredCustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="account__name", lookup_expr="icontains", label=_("Search"))
    link = django_filters.CharFilter(
        field_name="link__name", lookup_expr="icontains", label=_("Referral link")
    )

    class Meta:
        model = ReferredCustomer
        fields = ["q", "link"]
