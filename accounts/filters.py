import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from portal.forms import ListedModelChoiceFilter
from portal.models import AnyOf
from portal.permissions import Right

from .models import Account, AccountContact


def partner_users(request):
    """Owner choices: the users of the current partner only."""
    if request is None or request.partner is None:
        return get_user_model().objects.none()
    return get_user_model().objects.filter(memberships__partner=request.partner).order_by("email")


class AccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    owner = ListedModelChoiceFilter(queryset=partner_users, label=_("Owner"))
    show = django_filters.ChoiceFilter(
        choices=[("archived", _("Archived")), ("all", _("All"))],
        empty_label=_("Current"),
        method="filter_show",
        label=_("Show"),
    )

    class Meta:
        model = Account
        fields = ["q", "stage", "country", "owner", "show"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # only the countries the partner's customers are in (one query, unordered: the model's ordering by
        # name would make every account a distinct row), not all 250 as options; asked only when the field
        # is drawn or a country is given (a callable: Django reads the choices when it needs them — the
        # header's search, say, never does)
        membership = getattr(self.request, "membership", None)
        chosen = self.data.get("country")

        def choices():
            codes = set()
            if membership is not None:
                accounts = Account.objects.restrict(membership).order_by()
                codes = set(accounts.values_list("country", flat=True).distinct())
            return [(code, name) for code, name in countries if code in codes or code == chosen]

        if "country" in self.filters:  # (the header's search uses this filterset without it)
            self.filters["country"].extra["choices"] = choices
            # a form field made before (the API schema's generator reads the class's filters) is made again
            self.filters["country"].__dict__.pop("_field", None)

    @property
    def qs(self):
        # archived accounts stay out of the list unless asked for ("Current" is the empty choice)
        queryset = super().qs
        if not (self.is_bound and self.form.cleaned_data.get("show")):
            queryset = queryset.filter(archived_at__isnull=True)
        return queryset

    def filter_show(self, queryset, name, value):
        if value == "archived":
            return queryset.filter(archived_at__isnull=False)
        return queryset

    def search(self, queryset, name, value):
        """Name, legal name, tax id; a contact's name or email only for a role that sees personal data (else
        a search would confirm an address the page masks). The contacts are searched once (their accounts'
        ids, looked up in the accounts' index), not once per account; each part can read its trigram index
        where the server has one (accounts migration 0003)."""
        found = Q(name__icontains=value) | Q(legal_name__icontains=value) | Q(tax_id__icontains=value)
        membership = getattr(self.request, "membership", None)
        if membership is not None and membership.has(Right.PERSONAL_DATA):
            contacts = AccountContact.objects.filter(
                Q(email__icontains=value) | Q(name__icontains=value)
            ).values("account_id")
            found |= AnyOf("pk", contacts)
        return queryset.filter(found)
