import datetime

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from portal.permissions import Right
from portal.tenancy import SESSION_KEY
from portal.views import (
    PortalActionView,
    PortalCreateView,
    PortalListView,
    PortalMixin,
    PortalUpdateView,
    PublicView,
)

from . import language, notifications, selectors, services
from .filters import ApiTokenFilter, AuditEventFilter, InvitationFilter, MembershipFilter, NotificationFilter
from .forms import (
    ApiTokenForm,
    InvitationForm,
    MembershipForm,
    NotificationEmailForm,
    SecurityForm,
    SignUpFromInvitationForm,
)
from .models import ApiToken, AuditEvent, Invitation, Membership, Notification
from .tables import ApiTokenTable, AuditEventTable, InvitationTable, MembershipTable, NotificationTable


class MemberListView(PortalListView):
    queryset = selectors.members_for_list()
    filterset_class = MembershipFilter
    table_class = MembershipTable
    right = Right.ACCESS_MANAGE
    section = "access"
    title = _("Users and roles")
    create_url_name = "access:invite"
    create_label = _("Invite user")
    template_name = "access/member_list.html"


class MemberUpdateView(PortalUpdateView):
    queryset = Membership.objects.select_related("user").filter(removed_at__isnull=True)
    form_class = MembershipForm
    right = Right.ACCESS_MANAGE
    section = "access"
    title = _("Edit user access")
    success_message = _("Access of %(object)s saved.")
    success_url = reverse_lazy("access:members")
    template_name = "access/member_form.html"

    def save_object(self, form):
        return services.membership_update(
            membership=self.get_object(),
            actor=self.request.user,
            role=form.cleaned_data["role"],
            restricted=form.cleaned_data["restricted"],
            accounts=list(form.cleaned_data["accounts"]),
        )


class MemberRemoveView(PortalActionView):
    queryset = Membership.objects.select_related("user").filter(removed_at__isnull=True)
    right = Right.ACCESS_MANAGE
    section = "access"
    confirm_title = _("Remove user")
    confirm_text = _("The user loses access to this partner at once. Their other partners are not affected.")
    confirm_button = _("Remove")
    danger = True

    def act(self, membership):
        services.membership_remove(membership=membership, actor=self.request.user)
        messages.success(self.request, _("%(email)s removed.") % {"email": membership.user.email})
        return redirect("access:members")


class InviteView(PortalCreateView):
    model = Invitation
    queryset = Invitation.objects.all()
    form_class = InvitationForm
    right = Right.ACCESS_MANAGE
    section = "access"
    title = _("Invite a user")
    success_url = reverse_lazy("access:invitations")

    def save_object(self, form):
        invitation = services.invitation_create(
            partner=self.partner,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            restricted=form.cleaned_data["restricted"],
            accounts=list(form.cleaned_data["accounts"]),
            invited_by=self.request.user,
        )
        messages.success(
            self.request, _("The invitation to %(email)s will be sent shortly.") % {"email": invitation.email}
        )
        return invitation


class InvitationListView(PortalListView):
    queryset = Invitation.objects.select_related("invited_by")
    filterset_class = InvitationFilter
    table_class = InvitationTable
    right = Right.ACCESS_MANAGE
    section = "access"
    title = _("Invitations")
    create_url_name = "access:invite"
    create_label = _("Invite user")


class InvitationResendView(PortalActionView):
    queryset = Invitation.objects.all()
    right = Right.ACCESS_MANAGE
    section = "access"
    confirm_title = _("Resend invitation")
    confirm_text = _("A new link goes out; the previous one stops working.")
    confirm_button = _("Resend")

    def act(self, invitation):
        services.invitation_resend(invitation=invitation, actor=self.request.user)
        messages.success(
            self.request,
            _("A new invitation to %(email)s will be sent shortly; the previous link no longer works.")
            % {"email": invitation.email},
        )
        return redirect("access:invitations")


class InvitationRevokeView(PortalActionView):
    queryset = Invitation.objects.all()
    right = Right.ACCESS_MANAGE
    section = "access"
    confirm_title = _("Revoke invitation")
    confirm_text = _("The link stops working.")
    confirm_button = _("Revoke")
    danger = True

    def act(self, invitation):
        services.invitation_revoke(invitation=invitation, actor=self.request.user)
        messages.success(self.request, _("Invitation to %(email)s revoked.") % {"email": invitation.email})
        return redirect("access:invitations")


class SecurityView(PortalUpdateView):
    form_class = SecurityForm
    right = Right.ACCESS_MANAGE
    section = "access"
    title = _("Security")
    success_message = _("Security settings saved.")
    success_url = reverse_lazy("access:security")

    def get_object(self, queryset=None):
        return self.partner

    def save_object(self, form):
        return services.partner_security_update(
            partner=self.partner,
            actor=self.request.user,
            require_two_factor=form.cleaned_data["require_two_factor"],
        )


class AuditEventListView(PortalListView):
    queryset = AuditEvent.objects.select_related("actor")
    filterset_class = AuditEventFilter
    table_class = AuditEventTable
    right = Right.ACCESS_MANAGE
    section = "access"
    title = _("Audit trail")


class ApiTokenScope:
    """API tokens: every member makes and revokes their own (a token acts as its maker, so nobody makes one
    for someone else); whoever manages access also sees and revokes every token of the partner — a leaked
    token is stopped by the administrator without waiting for its owner."""

    right = Right.PORTAL
    section = "access"

    def get_queryset(self):
        tokens = ApiToken.objects.select_related("membership__user").restrict(self.membership)
        if self.membership.has(Right.ACCESS_MANAGE):
            return tokens
        return tokens.filter(membership=self.membership)


class ApiTokenListView(ApiTokenScope, PortalListView):
    queryset = ApiToken.objects.all()
    table_class = ApiTokenTable
    filterset_class = ApiTokenFilter
    title = _("API tokens")
    create_url_name = "access:token_create"
    create_label = _("New token")
    template_name = "access/token_list.html"


class ApiTokenCreateView(PortalMixin, FormView):
    right = Right.PORTAL
    section = "access"
    form_class = ApiTokenForm
    template_name = "portal/object_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "membership": self.membership}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("title", _("New API token"))
        kwargs.setdefault("cancel_url", reverse("access:tokens"))
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        try:
            token, secret = services.api_token_create(
                membership=self.membership,
                actor=self.request.user,
                name=form.cleaned_data["name"],
                scopes=form.scopes(),
                expires_at=timezone.now() + datetime.timedelta(days=form.cleaned_data["days"]),
            )
        except services.ValidationError as error:
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        # shown once, never stored: the page is not cached and the secret is nowhere else
        response = render(
            self.request,
            "access/token_created.html",
            {"token": token, "secret": secret, "section": self.section, "title": _("API token created")},
        )
        response["Cache-Control"] = "no-store"
        return response


class ApiTokenRevokeView(ApiTokenScope, PortalActionView):
    queryset = ApiToken.objects.all()
    confirm_title = _("Revoke API token")
    confirm_text = _("Systems using this token lose access at once.")
    confirm_button = _("Revoke")
    danger = True

    def act(self, token):
        services.api_token_revoke(token=token, actor=self.request.user)
        messages.success(self.request, _("Token “%(name)s” revoked.") % {"name": token.name})
        return redirect("access:tokens")


class AcceptInvitationView(PublicView, TemplateView):
    """The invitee's page: the signed token is the key. New users set a password; existing ones log in."""

    def dispatch(self, request, token):
        try:
            self.invitation = services.invitation_resolve(token)
        except services.InvitationError as error:
            return render(request, "access/invitation_error.html", {"message": error.message}, status=410)
        self.token = token
        return super().dispatch(request, token)

    def context(self, **extra):

        return {
            "invitation": self.invitation,
            "has_account": selectors.user_exists(self.invitation.email),
            "login_url": f"{reverse('account_login')}?next={self.request.path}",
            **extra,
        }

    def get(self, request, token):
        form = SignUpFromInvitationForm(email=self.invitation.email)
        return render(request, "access/invitation.html", self.context(form=form))

    def post(self, request, token):
        try:
            if request.user.is_authenticated:
                services.invitation_accept(token=token, user=request.user)
            else:
                form = SignUpFromInvitationForm(request.POST, email=self.invitation.email)
                if not form.is_valid():
                    return render(request, "access/invitation.html", self.context(form=form))
                user = services.user_sign_up_from_invitation(
                    token=token, password=form.cleaned_data["password1"]
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except services.InvitationError as error:
            return render(request, "access/invitation_error.html", {"message": error.message}, status=410)
        except services.ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(request.path)
        request.session[SESSION_KEY] = self.invitation.partner_id
        messages.success(request, _("Welcome to %(partner)s.") % {"partner": self.invitation.partner.name})
        return redirect("dashboard")


class LanguageView(PublicView):
    """The header's language switch, for everyone: a signed-in user's choice is kept on the user."""

    http_method_names = ["post"]

    def post(self, request):
        language.choose(request, request.POST.get("language", ""))
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = "/"
        return HttpResponseRedirect(target)


# Notifications: every member's own, in the current partner (Notification.objects.restrict) -------------


class NotificationListView(PortalListView):
    queryset = Notification.objects.all()
    filterset_class = NotificationFilter
    table_class = NotificationTable
    right = Right.PORTAL
    title = _("Notifications")
    template_name = "access/notification_list.html"
    section = "notifications"


class NotificationOpenView(PortalActionView):
    """POST: the notification is read and its object's page opens; GET shows it with that button."""

    queryset = Notification.objects.all()
    right = Right.PORTAL
    confirm_button = _("Open")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.confirm_title = self.confirm_text = self.object.text
        return self.render_confirmation()

    def act(self, notification):
        notifications.mark_read(notification)
        return HttpResponseRedirect(notification.path)


class NotificationsReadView(PortalMixin, View):
    """Mark every notification of the member in this partner as read."""

    http_method_names = ["post"]
    right = Right.PORTAL

    def post(self, request):
        count = notifications.mark_all_read(self.membership)
        messages.success(request, _("Marked as read: %(count)s.") % {"count": count})
        return redirect("access:notifications")


class NotificationSettingsView(PortalMixin, FormView):
    """Which notifications also come by email: the user's own choice, the same in every partner."""

    form_class = NotificationEmailForm
    right = Right.PORTAL
    title = _("Notifications by email")
    template_name = "access/notification_settings.html"

    def get_initial(self):
        return {"by_email": notifications.email_choices(self.request.user)}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("title", self.title)
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        notifications.email_choices_save(user=self.request.user, by_email=form.cleaned_data["by_email"])
        messages.success(self.request, _("Your email settings are saved."))
        return redirect("access:notifications")
