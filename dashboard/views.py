"""The dashboard and the partner switch: the two portal pages that belong to no section."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
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
