import django_filters

from .models import Accrual, LedgerEntry


class AccrualFilter(django_filters.FilterSet):
    class Meta:
        model = Accrual
        fields = ["program", "currency"]


class LedgerEntryFilter(django_filters.FilterSet):
    class Meta:
        model = LedgerEntry
        fields = ["kind", "currency"]
