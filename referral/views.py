"""The referral program's pages: under Tools, the partner's links, the customers they brought and the
statistics by month; in public, the link's redirect (``/r/<code>``) and the customer's sign-up."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from finance.models import Program, RebateTerm
from portal.charts import month_labels, stacked_bars
from portal.client_address import client_address
from portal.csv import csv_response
from portal.periods import PeriodForm
from portal.permissions import Right
from portal.views import PortalActionView, PortalCreateView, PortalListView, PortalPageView, PublicView
from tools.models import ProgramSettings

from . import selectors, services
from .filters import ReferralLinkFilter, ReferredCustomerFilter
from .forms import ReferralInviteForm, ReferralLinkForm, SignupForm
from .models import ReferralLink, ReferredCustomer
from .tables import ReferralLinkTable, ReferredCustomerTable

SECTION = "tools"  # the program is one of the partner's tools: the menu and tabs say so


class LinkListView(PortalListView):
    """Referral links with what each brought: clicks, sign-ups, active customers and (for roles that see
    money) commission so far. A banner says so when the program is closed to new partners."""

    queryset = ReferralLink.objects.all()
    filterset_class = ReferralLinkFilter
    table_class = ReferralLinkTable
    right = Right.TOOLS_VIEW
    section = SECTION
    title = _("Referral links")
    create_url_name = "referral:link_create"
    create_label = _("New referral link")
    template_name = "referral/links.html"

    def get_queryset(self):
        return selectors.with_figures(super().get_queryset())

    def get_table_kwargs(self):
        shows = selectors.shows_money(self.membership)
        return {**super().get_table_kwargs(), "exclude": () if shows else ("commission",)}

    def get_context_data(self, **kwargs):
        kwargs["may_create_links"] = selectors.may_create_links(self.partner)
        kwargs["click_window"] = ProgramSettings.current().referral_click_window_minutes
        return super().get_context_data(**kwargs)


class LinkCreateView(PortalCreateView):
    model = ReferralLink
    queryset = ReferralLink.objects.all()
    form_class = ReferralLinkForm
    right = Right.TOOLS_USE
    section = SECTION
    title = _("New referral link")

    def get(self, request, *args, **kwargs):
        if not selectors.may_create_links(self.partner):
            context = {"section": SECTION, "title": self.title, "message": services.CLOSED}
            return render(request, "referral/closed.html", context)
        return super().get(request, *args, **kwargs)

    def save_object(self, form):
        link = services.link_create(
            partner=self.partner,
            name=form.cleaned_data["name"],
            landing_url=form.cleaned_data["landing_url"],
            actor=self.request.user,
        )
        messages.success(self.request, _("Link created: %(url)s") % {"url": link.public_url})
        return link


class LinkDeactivateView(PortalActionView):
    queryset = ReferralLink.objects.all()
    right = Right.TOOLS_USE
    section = SECTION
    confirm_title = _("Deactivate referral link")
    confirm_text = _(
        "The link stops counting clicks and bringing customers; visitors still reach the landing page. "
        "Customers it already brought stay yours."
    )
    confirm_button = _("Deactivate")
    danger = True

    def act(self, link):
        services.link_deactivate(link=link, actor=self.request.user)
        messages.success(self.request, _("Link deactivated."))
        return redirect("referral:links")


class LinkSendView(PortalActionView):
    """Send a link by email as an invitation from the partner."""

    queryset = ReferralLink.objects.filter(deactivated_at=None)
    form_class = ReferralInviteForm
    right = Right.TOOLS_USE
    section = SECTION
    confirm_title = _("Send the referral link by email")
    confirm_text = _(
        "Each address gets an invitation from your company with this link; replies come to your email. "
        "Send it only to people who expect to hear from you."
    )
    confirm_button = _("Send")

    def act(self, link, *, emails, message):
        sent = services.link_invite(link=link, emails=emails, message=message, actor=self.request.user)
        messages.success(self.request, _("%(n)d invitation(s) will be sent shortly.") % {"n": sent})
        return redirect("referral:links")


class CustomerListView(PortalListView):
    """The customers who joined through the partner's links, with their 12-month commission window."""

    queryset = ReferredCustomer.objects.select_related("account", "link")
    filterset_class = ReferredCustomerFilter
    table_class = ReferredCustomerTable
    right = Right.TOOLS_VIEW
    section = SECTION
    title = _("Referred customers")
    template_name = "referral/customers.html"

    def get_queryset(self):
        return selectors.with_commission(super().get_queryset()).order_by("-signed_up_at", "pk")

    def get_context_data(self, **kwargs):
        kwargs["term"] = RebateTerm.objects.in_force(Program.REFERRAL, timezone.localdate())
        return super().get_context_data(**kwargs)

    def get_table_kwargs(self):
        shows = selectors.shows_money(self.membership)
        return {**super().get_table_kwargs(), "exclude": () if shows else ("commission",)}


class StatisticsView(PortalPageView):
    """Clicks, sign-ups and conversion by month (chart, table, CSV); commission to roles that see money."""

    template_name = "referral/statistics.html"
    right = Right.TOOLS_VIEW
    section = SECTION

    def load(self):
        self.period = PeriodForm.from_query(self.request.GET)
        self.rows = selectors.monthly_statistics(membership=self.membership, months=self.period.month_range())
        self.shows_money = selectors.shows_money(self.membership)

    def export_csv(self):
        header = ["Month", "Clicks", "Sign-ups", "Conversion, %"] + (
            ["Commission"] if self.shows_money else []
        )
        lines = (
            [f"{r.month:%Y-%m}", r.clicks, r.signups, r.conversion if r.conversion is not None else ""]
            + ([r.commission] if self.shows_money else [])
            for r in self.rows
        )
        return csv_response("referral-statistics.csv", header, lines)

    def get_context_data(self, **kwargs):
        kwargs.update(
            period=self.period,
            rows=self.rows,
            shows_money=self.shows_money,
            has_figures=any(r.clicks or r.signups or r.commission for r in self.rows),
        )
        if any(r.clicks or r.signups for r in self.rows):
            kwargs["chart"] = stacked_bars(
                title=str(_("Clicks and sign-ups by month")),
                right=self.right,  # who may open the chart's image
                labels=month_labels(r.month for r in self.rows),
                series={
                    str(_("Clicks")): [r.clicks for r in self.rows],
                    str(_("Sign-ups")): [r.signups for r in self.rows],
                },
                stacked=False,
            )
        return super().get_context_data(**kwargs)


class RedirectToLandingView(PublicView):
    """``/r/<code>``: count the click (once per visitor and window, never a bot's), remember the link in a
    signed cookie for the sign-up, and send the visitor to the link's landing page. An unknown or
    deactivated link still lands on the provider's home page, attributing nothing."""

    def get(self, request, code):
        link = ReferralLink.objects.filter(code=code).first()
        if link is None or not link.is_active:
            return HttpResponseRedirect(settings.REFERRAL_DEFAULT_LANDING)
        services.click_record(
            link=link,
            ip=client_address(request) or "",
            user_agent=request.headers.get("User-Agent", ""),
            headers=request.headers,
        )
        response = HttpResponseRedirect(link.landing_url or settings.REFERRAL_DEFAULT_LANDING)
        response.set_signed_cookie(
            selectors.COOKIE,
            link.code,
            salt=selectors.COOKIE,
            max_age=settings.REFERRAL_COOKIE_DAYS * 86400,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
        return response


class SignupView(PublicView):
    """A customer who came through a partner's link signs up and consents to the partner seeing their total
    consumption for 12 months; without the link (its cookie) there is nothing to join."""

    template_name = "referral/signup.html"

    def get(self, request):
        link = selectors.link_from_cookie(request)
        return render(request, self.template_name, {"link": link, "form": SignupForm() if link else None})

    def post(self, request):
        link = selectors.link_from_cookie(request)
        if link is None:
            return render(request, self.template_name, {"link": None, "form": None}, status=400)
        form = SignupForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "consent"}
            try:
                services.signup(link=link, **data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return render(request, "referral/signup_done.html", {"link": link})
        return render(request, self.template_name, {"link": link, "form": form})
