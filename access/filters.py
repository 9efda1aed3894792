import django_filters
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Membership


class MembershipFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="user__email", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = Membership
        fields = ["q", "role"]


class AuditEventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="target", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = AuditEvent
        fields = ["q", "action"]
