from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from finance import referral
from finance.models import Program, RebateTerm, ReferralLink, ReferredCustomer
from portal.charts import stacked_bars
from portal.csv import csv_response
from portal.periods import PeriodForm
from portal.permissions import Right
from portal.views import (
    PortalActionView,
    PortalCreateView,
    PortalDetailView,
    PortalListView,
    PortalPageView,
    PortalUpdateView,
)

from . import services
from .filters import (
    PresaleRequestFilter,
    ReferralLinkFilter,
    ReferredCustomerFilter,
    RegistrationFilter,
    ResourceFilter,
)
from .forms import (
    AttachmentForm,
    CommentForm,
    PresaleRequestForm,
    ReferralInviteForm,
    ReferralLinkForm,
    RegistrationForm,
)
from .models import Attachment, PresaleRequest, ProgramSettings, Registration, Resource
from .tables import (
    PresaleRequestTable,
    ReferralLinkTable,
    ReferredCustomerTable,
    RegistrationTable,
    ResourceTable,
)

SECTION = "tools"


def said_submitted(request, registration):
    messages.success(request, _("Submitted for review."))
    if registration.conflict:
        messages.warning(request, services.ALREADY_REGISTERED)


class RegistrationListView(PortalListView):
    queryset = Registration.objects.select_related("account")
    filterset_class = RegistrationFilter
    table_class = RegistrationTable
    right = Right.TOOLS_VIEW
    section = SECTION
    title = _("Deal and project registrations")
    create_url_name = "tools:registration_create"
    create_label = _("Register a deal or project")
    template_name = "tools/registration_list.html"


class ParentDetailView(PortalDetailView):
    """A registration or presale request with its comments and attachments."""

    right = Right.TOOLS_VIEW
    section = SECTION

    def get_context_data(self, **kwargs):
        parent = self.object
        kwargs["comments"] = parent.comment_set.select_related("author")
        kwargs["attachments"] = parent.attachment_set.all()
        kwargs["comment_form"] = CommentForm()
        kwargs["attachment_form"] = AttachmentForm()
        return super().get_context_data(**kwargs)


class RegistrationDetailView(ParentDetailView):
    queryset = Registration.objects.select_related("account", "created_by")

    def get_context_data(self, **kwargs):
        kwargs["events"] = self.object.events.select_related("actor")
        return super().get_context_data(**kwargs)


class RegistrationFormMixin:
    form_class = RegistrationForm
    right = Right.TOOLS_USE
    section = SECTION
    template_name = "tools/registration_form.html"

    def save_object(self, form):
        registration = services.registration_save(registration=form.instance, actor=self.request.user)
        services.attachments_add(
            parent=registration, author=self.request.user, uploads=form.cleaned_data["attachments"]
        )
        if "submit" in self.request.POST:
            services.registration_submit(registration=registration, actor=self.request.user)
            said_submitted(self.request, registration)
        else:
            messages.success(self.request, _("Draft saved."))
        return registration


class RegistrationCreateView(RegistrationFormMixin, PortalCreateView):
    model = Registration
    queryset = Registration.objects.all()
    title = _("Register a deal or project")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": Registration(partner=self.partner)}


class RegistrationUpdateView(RegistrationFormMixin, PortalUpdateView):
    queryset = Registration.objects.filter(status=Registration.Status.DRAFT)
    title = _("Edit draft registration")


class RegistrationSubmitView(PortalActionView):
    queryset = Registration.objects.select_related("account")
    right = Right.TOOLS_USE
    section = SECTION
    confirm_title = _("Submit for review")
    confirm_text = _("The provider reviews the registration within 20 business days.")
    confirm_button = _("Submit")

    def act(self, registration):
        services.registration_submit(registration=registration, actor=self.request.user)
        said_submitted(self.request, registration)
        return redirect(registration)


class RegistrationWithdrawView(PortalActionView):
    queryset = Registration.objects.all()
    right = Right.TOOLS_USE
    section = SECTION
    confirm_title = _("Withdraw registration")
    confirm_text = _("The registration leaves review; you can register again later.")
    confirm_button = _("Withdraw")
    danger = True

    def act(self, registration):
        services.registration_withdraw(registration=registration, actor=self.request.user)
        messages.success(self.request, _("Registration withdrawn."))
        return redirect(registration)


class PresaleRequestListView(PortalListView):
    queryset = PresaleRequest.objects.select_related("account")
    filterset_class = PresaleRequestFilter
    table_class = PresaleRequestTable
    right = Right.TOOLS_VIEW
    section = SECTION
    title = _("Presale requests")
    create_url_name = "tools:presale_create"
    create_label = _("Ask for presale help")
    template_name = "tools/registration_list.html"


class PresaleRequestDetailView(ParentDetailView):
    queryset = PresaleRequest.objects.select_related("account", "created_by")


class PresaleRequestCreateView(PortalCreateView):
    model = PresaleRequest
    queryset = PresaleRequest.objects.all()
    form_class = PresaleRequestForm
    right = Right.TOOLS_USE
    section = SECTION
    title = _("Ask for presale help")
    template_name = "tools/registration_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": PresaleRequest(partner=self.partner)}

    def save_object(self, form):
        request = services.presale_create(request=form.instance, actor=self.request.user)
        services.attachments_add(
            parent=request, author=self.request.user, uploads=form.cleaned_data["attachments"]
        )
        messages.success(self.request, _("Sent. A presale engineer answers within 3 business days."))
        return request


class CommentAddMixin:
    form_class = CommentForm
    right = Right.TOOLS_USE
    section = SECTION
    confirm_title = _("Add a comment")
    confirm_button = _("Send")

    def act(self, parent, text):
        services.comment_add(parent=parent, author=self.request.user, text=text)
        messages.success(self.request, _("Comment added."))
        return redirect(parent)


class AttachmentAddMixin:
    form_class = AttachmentForm
    right = Right.TOOLS_USE
    section = SECTION
    confirm_title = _("Attach files")
    confirm_button = _("Attach")

    def act(self, parent, files):
        services.attachments_add(parent=parent, author=self.request.user, uploads=files)
        messages.success(self.request, _("Files attached."))
        return redirect(parent)


class RegistrationCommentView(CommentAddMixin, PortalActionView):
    queryset = Registration.objects.all()


class PresaleCommentView(CommentAddMixin, PortalActionView):
    queryset = PresaleRequest.objects.all()


class RegistrationAttachView(AttachmentAddMixin, PortalActionView):
    queryset = Registration.objects.all()


class PresaleAttachView(AttachmentAddMixin, PortalActionView):
    queryset = PresaleRequest.objects.all()


class AttachmentDownloadView(PortalDetailView):
    """Files are served through the scoped queryset only, never from a public media URL."""

    queryset = Attachment.objects.all()
    right = Right.TOOLS_VIEW
    section = SECTION

    def get(self, request, *args, **kwargs):
        attachment = self.get_object()
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.content_type,
        )


class ResourceListView(PortalListView):
    """The provider's catalogue: the same for every partner, so it is not tenant-scoped."""

    queryset = Resource.objects.all()
    filterset_class = ResourceFilter
    table_class = ResourceTable
    right = Right.TOOLS_VIEW
    section = SECTION
    title = _("Partner resources")
    template_name = "tools/registration_list.html"

    def get_queryset(self):
        return self.queryset.all()


class ResourceFileView(PortalDetailView):
    """A catalogue file, for any signed-in partner user; uploaded files are never on a public URL."""

    queryset = Resource.objects.exclude(file="")
    right = Right.TOOLS_VIEW
    section = SECTION

    def get_queryset(self):
        return self.queryset.all()  # the provider's catalogue: the same for every partner

    def get(self, request, *args, **kwargs):
        resource = self.get_object()
        return FileResponse(
            resource.file.open("rb"), as_attachment=True, filename=resource.file.name.rsplit("/", 1)[-1]
        )


def shows_referral_money(membership) -> bool:
    """Commission is partner-wide money: for roles that see balances, and not restricted to some accounts."""
    return membership.has(Right.FINANCE_VIEW) and not membership.restricted


class ReferralLinkListView(PortalListView):
    """Referral links with what each brought: clicks, sign-ups, active customers and (for roles that see
    money) commission so far. A banner says so when the program is closed to new partners."""

    queryset = ReferralLink.objects.all()
    filterset_class = ReferralLinkFilter
    table_class = ReferralLinkTable
    right = Right.TOOLS_VIEW
    section = SECTION
    title = _("Referral links")
    create_url_name = "tools:referral_link_create"
    create_label = _("New referral link")
    template_name = "tools/referral_links.html"

    def get_queryset(self):
        return referral.with_figures(super().get_queryset())

    def get_table_kwargs(self):
        shows = shows_referral_money(self.membership)
        return {**super().get_table_kwargs(), "exclude": () if shows else ("commission",)}

    def get_context_data(self, **kwargs):
        kwargs["may_create_links"] = referral.may_create_links(self.partner)
        kwargs["closed_message"] = referral.CLOSED
        kwargs["click_window"] = ProgramSettings.current().referral_click_window_minutes
        return super().get_context_data(**kwargs)


class ReferralLinkCreateView(PortalCreateView):
    model = ReferralLink
    queryset = ReferralLink.objects.all()
    form_class = ReferralLinkForm
    right = Right.TOOLS_USE
    section = SECTION
    title = _("New referral link")

    def get(self, request, *args, **kwargs):
        if not referral.may_create_links(self.partner):
            context = {"section": SECTION, "title": self.title, "message": referral.CLOSED}
            return render(request, "tools/referral_closed.html", context)
        return super().get(request, *args, **kwargs)

    def save_object(self, form):
        link = referral.link_create(
            partner=self.partner,
            name=form.cleaned_data["name"],
            landing_url=form.cleaned_data["landing_url"],
            actor=self.request.user,
        )
        messages.success(self.request, _("Link created: %(url)s") % {"url": link.public_url})
        return link


class ReferralLinkDeactivateView(PortalActionView):
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
        referral.link_deactivate(link=link, actor=self.request.user)
        messages.success(self.request, _("Link deactivated."))
        return redirect("tools:referral_links")


class ReferralLinkSendView(PortalActionView):
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
        sent = referral.link_invite(link=link, emails=emails, message=message, actor=self.request.user)
        messages.success(self.request, _("%(n)d invitation(s) will be sent shortly.") % {"n": sent})
        return redirect("tools:referral_links")


class ReferredCustomerListView(PortalListView):
    """The customers who joined through the partner's links, with their 12-month commission window."""

    queryset = ReferredCustomer.objects.select_related("account", "link")
    filterset_class = ReferredCustomerFilter
    table_class = ReferredCustomerTable
    right = Right.TOOLS_VIEW
    section = SECTION
    title = _("Referred customers")
    template_name = "tools/referred_customers.html"

    def get_queryset(self):
        return referral.with_commission(super().get_queryset()).order_by("-signed_up_at", "pk")

    def get_context_data(self, **kwargs):
        kwargs["term"] = RebateTerm.objects.in_force(Program.REFERRAL, timezone.localdate())
        return super().get_context_data(**kwargs)

    def get_table_kwargs(self):
        shows = shows_referral_money(self.membership)
        return {**super().get_table_kwargs(), "exclude": () if shows else ("commission",)}


class ReferralStatisticsView(PortalPageView):
    """Clicks, sign-ups and conversion by month (chart, table, CSV); commission to roles that see money."""

    template_name = "tools/referral_statistics.html"
    right = Right.TOOLS_VIEW
    section = SECTION

    def get(self, request, *args, **kwargs):
        self.period = PeriodForm.from_query(request.GET)
        self.rows = referral.monthly_statistics(partner_id=self.partner.pk, months=self.period.month_range())
        self.shows_money = shows_referral_money(self.membership)
        if request.GET.get("export") == "csv":
            header = ["Month", "Clicks", "Sign-ups", "Conversion, %"] + (
                ["Commission"] if self.shows_money else []
            )
            lines = (
                [f"{r.month:%Y-%m}", r.clicks, r.signups, r.conversion if r.conversion is not None else ""]
                + ([r.commission] if self.shows_money else [])
                for r in self.rows
            )
            return csv_response("referral-statistics.csv", header, lines)
        return super().get(request, *args, **kwargs)

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
                labels=[f"{r.month:%b %Y}" for r in self.rows],
                series={
                    str(_("Clicks")): [r.clicks for r in self.rows],
                    str(_("Sign-ups")): [r.signups for r in self.rows],
                },
                stacked=False,
            )
        return super().get_context_data(**kwargs)
