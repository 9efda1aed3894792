import django_filters
from django.utils.translation import gettext_lazy as _

from subaccounts.models import Subaccount

from .models import Accrual, BucketExportDay, LedgerEntry, Report


class AccrualFilter(django_filters.FilterSet):
    class Meta:
        model = Accrual
        fields = ["program", "currency"]


class LedgerEntryFilter(django_filters.FilterSet):
    class Meta:
        model = LedgerEntry
        fields = ["kind", "currency"]


class PartnerBonusFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="account__name", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = Subaccount
        fields = ["q"]


class ReportFilter(django_filters.FilterSet):
    class Meta:
        model = Report
        fields = ["status"]


class BucketExportDayFilter(django_filters.FilterSet):
    class Meta:
        model = BucketExportDay
        fields = ["status"]
