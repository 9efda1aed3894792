from functools import cached_property

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts.models import Account
from finance.selectors import subaccount_consumption
from portal.charts import month_labels, stacked_bars
from portal.csv import csv_response
from portal.pagination import CountedPaginator
from portal.periods import PeriodForm
from portal.permissions import Right, personal
from portal.views import (
    PortalActionView,
    PortalCreateView,
    PortalDetailView,
    PortalListView,
    PortalPageView,
    PortalSearchView,
    PublicView,
)

from . import lifecycle, services
from .filters import SubaccountFilter
from .forms import AccountPickForm, OptionalReasonForm, ReasonForm, SubaccountForm
from .models import Subaccount
from .selectors import subaccount_status_counts
from .tables import SubaccountTable

HISTORY_SHOWN = 100


class SubaccountListView(PortalListView):
    queryset = Subaccount.objects.select_related("account")
    filterset_class = SubaccountFilter
    table_class = SubaccountTable
    right = Right.ACCOUNTS_VIEW
    section = "subaccounts"
    title = _("Subaccounts")
    template_name = "subaccounts/subaccount_list.html"
    create_url_name = "subaccounts:create_pick"
    create_label = _("Create subaccount")

    @cached_property
    def status_counts(self) -> dict[str, int]:
        return subaccount_status_counts(membership=self.membership)

    def listed_count(self) -> int | None:
        """How many subaccounts the list shows when the status tabs' counts already say it — no filter, or
        the status alone (the same rows: the membership's subaccounts of that status); None otherwise."""
        filterset = self.filterset
        if not filterset.is_bound:
            return sum(self.status_counts.values())
        if not filterset.is_valid():
            return None
        cleaned = filterset.form.cleaned_data
        if any(cleaned.get(name) not in (None, "") for name in filterset.form.fields if name != "status"):
            return None
        status = cleaned.get("status")
        return self.status_counts.get(status, 0) if status else sum(self.status_counts.values())

    def get_table_pagination(self, table):
        pagination = super().get_table_pagination(table)
        count = self.listed_count()
        if pagination is False or count is None:
            return pagination
        return {**pagination, "paginator_class": CountedPaginator, "count": count}

    def get_context_data(self, **kwargs):
        counts = self.status_counts
        kwargs["status_counts"] = [
            (value, label, counts[value]) for value, label in Subaccount.Status.choices
        ]
        return super().get_context_data(**kwargs)


class SubaccountSearchView(PortalSearchView):
    """The subaccount choices of filters and forms: by name, billing account id or customer name."""

    queryset = Subaccount.objects.select_related("account")
    search_fields = ("name", "billing_account_id", "account__name")
    right = Right.ACCOUNTS_VIEW

    def hint(self, obj) -> str:
        return " · ".join(part for part in (obj.billing_account_id, obj.account.name) if part)


class SubaccountDetailView(PortalDetailView):
    """The subaccount with its history and the customer's consumption for a chosen period."""

    queryset = Subaccount.objects.select_related("account", "created_by")
    right = Right.ACCOUNTS_VIEW
    section = "subaccounts"

    def export_csv(self):
        """The consumption table as .csv: the same selector, the same figures (the finance right's)."""
        if not self.membership.has(Right.FINANCE_VIEW):
            raise PermissionDenied(_("Your role does not allow this."))
        subaccount = self.get_object()
        months = PeriodForm(self.request.GET or None).month_range()
        grid = subaccount_consumption(subaccount=subaccount, months=months)
        name = f"consumption-{subaccount.billing_account_id}-{months.first:%Y-%m}-{months.last:%Y-%m}.csv"
        return csv_response(name, grid.csv_header(), grid.csv_rows())

    def get_context_data(self, **kwargs):
        period = PeriodForm(self.request.GET or None)
        # the latest changes; a long history stays one bounded query
        kwargs.update(events=self.object.events.select_related("actor")[:HISTORY_SHOWN], period=period)
        if self.membership.has(Right.ACCOUNTS_MANAGE):
            if self.object.status == Subaccount.Status.ACCEPTANCE_REQUIRED and self.object.invitation_nonce:
                kwargs["invitation_link"] = services.invitation_url(self.object)
            kwargs["actions"] = [
                (
                    a.name,
                    PARTNER_ACTIONS[a.name],
                    PARTNER_ACTIONS[a.name]["form_class"](auto_id=f"id_{a.name}_%s"),
                )
                for a in lifecycle.allowed_actions(self.object)
                if a.name in PARTNER_ACTIONS
            ]
        if self.membership.has(Right.FINANCE_VIEW):
            grid = subaccount_consumption(subaccount=self.object, months=period.month_range())
            kwargs["grid"] = grid
            if grid.rows:
                kwargs["chart"] = stacked_bars(
                    title=str(_("Consumption by service")),
                    right=Right.FINANCE_VIEW,  # who may open the chart's image
                    labels=month_labels(grid.months),
                    series={f"{r.service} ({r.currency})": r.values for r in grid.rows},
                )
        return super().get_context_data(**kwargs)


class SubaccountPickAccountView(PortalPageView):
    """Subaccounts → Create subaccount: pick the current customer it is for, or create a new customer on
    the way; then the subaccount's own form for that account."""

    template_name = "subaccounts/create_pick.html"
    right = Right.ACCOUNTS_MANAGE
    section = "subaccounts"

    def get(self, request, *args, **kwargs):
        form = AccountPickForm(request.GET or None, membership=self.membership)
        if form.is_valid():
            return redirect("subaccounts:create", pk=form.cleaned_data["account"].pk)
        return self.render_to_response(self.get_context_data(form=form, title=_("New subaccount")))


class SubaccountCreateView(PortalCreateView):
    """Create a subaccount for a customer account; the URL's id names that account."""

    queryset = Account.objects.filter(archived_at__isnull=True)
    model = Subaccount
    form_class = SubaccountForm
    right = Right.ACCOUNTS_MANAGE
    section = "subaccounts"
    title = _("New subaccount")

    @cached_property
    def account(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["initial"] = {"name": self.account.name}
        kwargs["contact_email"] = self.account.contact_email()
        return kwargs

    def get_context_data(self, **kwargs):
        kwargs["title"] = _("New subaccount for %(account)s") % {"account": self.account}
        return super().get_context_data(**kwargs)

    def save_object(self, form):
        subaccount = services.subaccount_create(
            account=self.account,
            name=form.cleaned_data["name"],
            customer_email=form.cleaned_data["customer_email"],
            created_by=self.request.user,
        )
        messages.success(
            self.request,
            _("Subaccount created. A link to accept it will be emailed to %(email)s shortly.")
            % {"email": personal(subaccount.customer_email, self.membership)},
        )
        return subaccount


class SubaccountActionView(PortalActionView):
    """A partner's status change; ``action`` names the lifecycle action."""

    queryset = Subaccount.objects.all()
    right = Right.ACCOUNTS_MANAGE
    section = "subaccounts"
    action = ""
    done_message = ""

    def act(self, subaccount, reason=""):
        services.subaccount_act(
            subaccount=subaccount, action=self.action, actor=self.request.user, reason=reason
        )
        messages.success(self.request, self.done_message % {"name": subaccount.name})
        return redirect(subaccount)


PARTNER_ACTIONS = {
    "suspend": dict(
        form_class=ReasonForm,
        confirm_title=_("Stop services"),
        confirm_button=_("Stop services"),
        danger=True,
        confirm_text=_(
            "The customer's resources stop. Data is kept for up to 60 days after suspension; "
            "resume services to continue."
        ),
        done_message=_("Services of “%(name)s” stopped."),
    ),
    "resume": dict(
        form_class=OptionalReasonForm,
        confirm_title=_("Resume services"),
        confirm_button=_("Resume services"),
        confirm_text=_("The subaccount becomes Active again."),
        done_message=_("Services of “%(name)s” resumed."),
    ),
    "deactivate": dict(
        form_class=OptionalReasonForm,
        confirm_title=_("Deactivate subaccount"),
        confirm_button=_("Deactivate"),
        danger=True,
        confirm_text=_(
            "Inactive is final: the subaccount cannot be activated again. Deleting the billing "
            "account itself is a request to support."
        ),
        done_message=_("“%(name)s” is now Inactive."),
    ),
    "cancel": dict(
        form_class=OptionalReasonForm,
        confirm_title=_("Cancel invitation"),
        confirm_button=_("Cancel invitation"),
        danger=True,
        confirm_text=_("The link sent to the customer stops working and the subaccount becomes Inactive."),
        done_message=_("Invitation for “%(name)s” cancelled."),
    ),
}


class InvitationResendView(PortalActionView):
    queryset = Subaccount.objects.all()
    right = Right.ACCOUNTS_MANAGE
    section = "subaccounts"
    confirm_title = _("Resend invitation")
    confirm_text = _("A new link goes to the customer; the previous link stops working.")
    confirm_button = _("Resend")

    def act(self, subaccount):
        services.invitation_resend(subaccount=subaccount, actor=self.request.user)
        messages.success(
            self.request,
            _("A new invitation will be emailed to %(email)s shortly; the previous link no longer works.")
            % {"email": personal(subaccount.customer_email, self.membership)},
        )
        return redirect(subaccount)


class InvitationView(PublicView, TemplateView):
    """The customer's page from the emailed link: no login; the signed token is the only key."""

    template_name = "subaccounts/invitation.html"

    def get(self, request, token):
        try:
            subaccount = services.invitation_resolve(token)
        except services.InvitationError as error:
            return render(
                request, "subaccounts/invitation_error.html", {"message": error.message}, status=410
            )
        return render(request, self.template_name, {"subaccount": subaccount, "token": token})

    def post(self, request, token):
        accept = request.POST.get("answer") == "accept"
        try:
            subaccount = services.invitation_answer(token=token, accept=accept)
        except services.InvitationError as error:
            return render(
                request, "subaccounts/invitation_error.html", {"message": error.message}, status=410
            )
        return render(
            request, "subaccounts/invitation_done.html", {"subaccount": subaccount, "accepted": accept}
        )
