from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from portal.permissions import Right
from portal.views import (
    PortalActionView,
    PortalCreateView,
    PortalDetailView,
    PortalListView,
    PortalUpdateView,
)

from . import services
from .filters import (
    PresaleRequestFilter,
    RegistrationFilter,
    ResourceFilter,
)
from .forms import (
    AttachmentForm,
    CommentForm,
    PresaleRequestForm,
    RegistrationForm,
)
from .models import Attachment, PresaleRequest, Registration, Resource
from .tables import (
    PresaleRequestTable,
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
