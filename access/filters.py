import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.permissions import Role

from .audit import ACTIONS
from .models import ApiToken, AuditEvent, Invitation, Membership, Notification


class MembershipFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    role = django_filters.ChoiceFilter(choices=Role.choices)
    status = django_filters.ChoiceFilter(
        choices=Membership.Status.choices, method="filter_status", empty_label=_("Any"), label=_("Status")
    )

    class Meta:
        model = Membership
        fields = ["q", "role", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(user__email__icontains=value)
            | Q(user__first_name__icontains=value)
            | Q(user__last_name__icontains=value)
        )

    def filter_status(self, queryset, name, value):
        return queryset.filter(removed_at__isnull=value == Membership.Status.ACTIVE)


class InvitationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="email", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = Invitation
        fields = ["q", "status", "role"]


class AuditEventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    action = django_filters.ChoiceFilter(choices=list(ACTIONS.items()), label=_("What"))
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("From"))
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = AuditEvent
        fields = ["q", "action", "since", "until"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(target__icontains=value) | Q(actor__email__icontains=value))


class NotificationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=Notification.Kind.choices, label=_("Kind"), empty_label=_("Any")
    )
    state = django_filters.ChoiceFilter(
        choices=[("unread", _("Unread")), ("read", _("Read"))],
        method="filter_state",
        label=_("Status"),
        empty_label=_("Any"),
    )

    class Meta:
        model = Notification
        fields = ["kind", "state"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "unread")


class ApiTokenFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    live = django_filters.ChoiceFilter(
        choices=[("live", _("Not revoked")), ("revoked", _("Revoked"))],
        method="filter_live",
        empty_label=_("Any"),
        label=_("Status"),
    )

    class Meta:
        model = ApiToken
        fields = ["q", "live"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(membership__user__email__icontains=value))

    def filter_live(self, queryset, name, value):
        return queryset.filter(revoked_at__isnull=value == "live")
