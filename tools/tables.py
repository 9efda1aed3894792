import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.tables import MoneyColumn, PortalTable, StatusColumn

from .models import PresaleRequest, Registration, Resource


class RegistrationTable(PortalTable):
    account = tables.Column(linkify=lambda record: record.get_absolute_url(), order_by="account__name")
    status = StatusColumn()
    expected_monthly = MoneyColumn()

    class Meta:
        model = Registration
        fields = ("account", "kind", "status", "expected_monthly", "currency", "submitted_at", "expires_at")
        empty_text = _("No registrations yet. Register a deal or a project to earn more for your customers.")


class PresaleRequestTable(PortalTable):
    account = tables.Column(linkify=lambda record: record.get_absolute_url(), order_by="account__name")
    status = StatusColumn()

    class Meta:
        model = PresaleRequest
        fields = ("account", "services", "status", "created_at", "answer_due")
        empty_text = _("No presale requests yet.")


class ResourceTable(PortalTable):
    title = tables.Column(
        linkify=lambda record: (
            record.url or (reverse("tools:resource_file", args=[record.pk]) if record.file else None)
        )
    )

    class Meta:
        model = Resource
        fields = ("group", "title", "description")
        empty_text = _("The resource catalogue is empty.")
