"""The dashboard, the header's search and the partner switch: the portal pages that belong to no section."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from finance.selectors import balances, month_consumption
from portal.periods import MonthRange
from portal.permissions import Right
from portal.replica import read_alias
from portal.tenancy import switch_partner
from portal.views import PortalMixin, PortalPageView
from referral import selectors as referral
from subaccounts.models import Subaccount
from subaccounts.selectors import subaccount_status_counts
from tools.selectors import registrations_under_review

from . import search


class DashboardView(PortalPageView):
    template_name = "dashboard/dashboard.html"
    right = Right.PORTAL
    section = "dashboard"

    def get_context_data(self, **kwargs):
        m = self.membership
        month = timezone.localdate().replace(day=1)
        using = read_alias()  # figures of the whole partner: the replica's when there is one
        counts = subaccount_status_counts(membership=m, using=using)
        kwargs["status_counts"] = [
            (value, label, counts[value]) for value, label in Subaccount.Status.choices
        ]
        kwargs["under_review"] = registrations_under_review(membership=m, using=using)
        kwargs["consumption"] = kwargs["balances"] = None  # the role shows no usage details
        if m.has(Right.FINANCE_VIEW):
            kwargs["consumption"] = month_consumption(membership=m, month=month, using=using)
            # balances are the whole partner's: a member restricted to some customers sees none
            kwargs["balances"] = None if m.restricted else balances(membership=m, using=using)
        kwargs["month"] = month
        kwargs["referral"] = None
        if referral.in_program(self.partner):  # this month's clicks and sign-ups (commission: the balance)
            kwargs["referral"] = referral.monthly_statistics(membership=m, months=MonthRange(month, month))[0]
        return super().get_context_data(**kwargs)


class SwitchPartnerView(PortalMixin, View):
    """POST only: make another of the user's partners current; a partner the user is not in is refused."""

    right = Right.PORTAL
    http_method_names = ["post"]

    def post(self, request):
        try:
            partner_id = int(request.POST.get("partner", ""))
        except ValueError:
            partner_id = None
        if partner_id is None or not switch_partner(request, partner_id):
            messages.error(request, _("You are not a member of that partner."))
        else:
            messages.success(request, _("Now working as %(partner)s.") % {"partner": request.partner})
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            target = resolve_url("dashboard")
        return HttpResponseRedirect(target)


class SearchView(PortalPageView):
    """The header's search box submits here: the matches of each kind the member may open, a few each,
    with a link to the kind's list searched the same way for all of them (dashboard/search.py)."""

    template_name = "dashboard/search.html"
    right = Right.PORTAL
    title = gettext_lazy("Search")

    def get_context_data(self, **kwargs):
        form = search.SearchForm(self.request.GET)
        kwargs["groups"] = []
        kwargs["search_query"] = self.request.GET.get("q", "")[: search.MAX_LENGTH].replace("\x00", "")
        kwargs["search_error"] = ""
        kwargs["title"] = self.title
        if form.is_valid():
            kwargs["query"] = form.cleaned_data["q"]
            kwargs["groups"] = search.search(request=self.request, query=kwargs["query"])
        else:
            kwargs["search_error"] = form.errors["q"][0]
        return super().get_context_data(**kwargs)


class SearchSuggestView(PortalMixin, View):
    """The suggestions under the header's box as it is typed (static/js/portal.js): the same search, fewer
    results, as JSON — ``{"groups": [{"title", "count", "more", "url", "results": [{"text", "hint",
    "url"}]}], "message": str}``; the box submits to the search page without it."""

    right = Right.PORTAL
    http_method_names = ["get"]

    def get(self, request):
        form = search.SearchForm(request.GET)
        if not form.is_valid():
            return JsonResponse({"groups": [], "message": form.errors["q"][0]})
        query = form.cleaned_data["q"]
        groups = search.search(request=request, query=query, shown=search.SUGGESTED)
        return JsonResponse(
            {
                "groups": [
                    {
                        "title": str(g.kind.title),
                        "count": g.count,
                        "more": g.more,
                        "url": g.all_url,
                        "results": [vars(hit) for hit in g.hits],
                    }
                    for g in groups
                ],
                "message": "" if groups else _("Nothing found."),
                "page": f"{reverse('search')}?{urlencode({'q': query})}",
            }
        )
