import django_filters

from .models import Accrual


class AccrualFilter(django_filters.FilterSet):
    class Meta:
        model = Accrual
        fields = ["program", "currency"]
