"""The header's search across the sections: one query, a few results of each kind the member may open.

Nothing here decides who sees what. Each kind is its list page — the list view's right, its queryset
restricted to the membership (the partner, and a restricted member's customers: ``restrict()``) and its
filterset's own search (which, for instance, matches a customer's contacts only for roles that see personal
data) — so a result is exactly a row of that page's ``?q=``, and "all N results" opens that page with the
same search. Per kind one query: the few shown, in the list's order, with the number of matches (shown as
far as the list numbers its pages, ``portal.pagination``); nothing runs for a query too short, too long or
unsearchable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django import forms
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Func, IntegerField
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import FilterSet

from access.views import MemberListView
from accounts.views import AccountListView
from portal.models import choice_label
from portal.pagination import count_limit
from portal.permissions import Right, personal
from portal.views import PortalListView
from subaccounts.views import SubaccountListView
from tools.views import RegistrationListView

MIN_LENGTH = 2
MAX_LENGTH = 100
SHOWN = 5  # results of each kind on the page; the rest are one click away, on the kind's list
SUGGESTED = 3  # in the suggestions under the box


@dataclass(frozen=True)
class Kind:
    """One kind of object the search finds: which list page it is, and how a result reads."""

    key: str
    title: str
    list_view: type[PortalListView]
    list_url: str
    describe: Callable  # (obj, membership) -> (text, hint)
    also_needs: tuple[Right, ...] = ()  # rights beyond the list page's own
    list_filters: dict[str, str] = field(default_factory=dict)  # the list's other filters, always applied

    def allowed(self, membership) -> bool:
        return all(membership.has(right) for right in (self.list_view.right, *self.also_needs))

    @cached_property
    def filterset_class(self) -> type[FilterSet]:
        """The list page's filterset with only the filters the search fills (``q`` and ``list_filters``):
        the same filters, methods and queryset, without making the others' form fields and choices at each
        search (a third of the filtersets' time)."""
        full = self.list_view.filterset_class
        searched = type(f"Search{full.__name__}", (full,), {})
        searched.base_filters = {
            name: f for name, f in full.base_filters.items() if name == "q" or name in self.list_filters
        }
        return searched


@dataclass
class Hit:
    text: str
    hint: str
    url: str


@dataclass
class Group:
    kind: Kind
    count: int  # up to the cap; ``more``: there are more than that
    more: bool
    hits: list[Hit]
    all_url: str


def _account(account, membership):
    return account.name, account.tax_id


def _subaccount(subaccount, membership):
    return subaccount.name, f"{subaccount.billing_account_id} · {subaccount.account.name}"


def _registration(registration, membership):
    return str(registration), choice_label(type(registration).Status, registration.status)


def _member(member, membership):
    # the users' page is for roles that see personal data; masked all the same should that ever change
    user = member.user
    return personal(user.get_full_name() or user.email, membership), personal(user.email, membership)


KINDS = (
    Kind("accounts", _("Accounts"), AccountListView, "accounts:list", _account),
    Kind("subaccounts", _("Subaccounts"), SubaccountListView, "subaccounts:list", _subaccount),
    Kind("registrations", _("Registrations"), RegistrationListView, "tools:index", _registration),
    # every field a user is found by is personal data: only for roles that see it
    Kind(
        "users",
        _("Users"),
        MemberListView,
        "access:members",
        _member,
        also_needs=(Right.PERSONAL_DATA,),
        list_filters={"status": "active"},  # a removed member has no page to open
    ),
)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        min_length=MIN_LENGTH,
        max_length=MAX_LENGTH,
        error_messages={
            "min_length": _("Type at least %(limit_value)d characters to search."),
            "max_length": _("A search may be at most %(limit_value)d characters long."),
            "null_characters_not_allowed": _("The search contains characters that cannot be searched."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # an empty box says what a short one says (in the request's language, hence here)
        self.fields["q"].error_messages["required"] = _(
            "Type at least %(limit_value)d characters to search."
        ) % {"limit_value": MIN_LENGTH}


def search(*, request, query: str, shown: int = SHOWN) -> list[Group]:
    """The groups with matches for a valid ``query``, in ``KINDS``' order, each as its list page's ``?q=``
    finds it for the request's membership. ``request`` is what the list pages' filtersets read."""
    membership = request.membership
    groups = []
    for kind in KINDS:
        if not kind.allowed(membership):
            continue
        view = kind.list_view
        params = {"q": query, **kind.list_filters}
        filterset = kind.filterset_class(
            data=params, queryset=view.queryset.restrict(membership), request=request
        )
        if not filterset.is_valid():
            continue
        # one query: the first matches in the list's order, the list's per-row figures (subqueries) for those
        # only, each with how many there are as far as the list would number its pages (``portal.pagination``;
        # "more" beyond) — counted once, in no order, stopping there
        limit = count_limit(1, view.table_pagination["per_page"])
        capped = ArraySubquery(filterset.qs.order_by().values("pk")[:limit])
        matches = Func(capped, function="cardinality", output_field=IntegerField())
        found = list(filterset.qs.annotate(search_matches=matches)[:shown])
        if not found:
            continue
        hits = [Hit(*kind.describe(obj, membership), obj.get_absolute_url()) for obj in found]
        matches = found[0].search_matches
        all_url = f"{reverse(kind.list_url)}?{urlencode(params)}"
        groups.append(Group(kind, min(matches, limit - 1), matches >= limit, hits, all_url))
    return groups
