import django_filters
from django.utils.translation import gettext_lazy as _

from .models import PresaleRequest, Registration, Resource


class RegistrationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="account__name", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = Registration
        fields = ["q", "kind", "status"]


class PresaleRequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="account__name", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = PresaleRequest
        fields = ["q", "status"]


class ResourceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = Resource
        fields = ["q", "group"]
