from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.models import TenantModel
from portal.money import Currency, MoneyField


class Registration(TenantModel):
    """A deal ("New customer") or project ("Customer project") registration, reviewed by the provider."""

    class Kind(models.TextChoices):
        DEAL = "deal", _("New customer")
        PROJECT = "project", _("Customer project")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Under review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    account_field = "account_id"

    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="registrations")
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="registrations")
    kind = models.CharField(_("request type"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    expected_monthly = MoneyField(_("expected monthly consumption"))
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.RUB)
    services = models.CharField(_("services"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    project_scope = models.CharField(_("cloud or folder id"), max_length=64, blank=True)
    procurement = models.BooleanField(_("procurement (44-FZ/223-FZ)"), default=False)
    contract_start = models.DateField(null=True, blank=True)
    contract_end = models.DateField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    conflict = models.BooleanField(default=False, help_text=_("Another partner holds this customer"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partner", "status"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.account}"

    def get_absolute_url(self):
        return reverse("tools:registration_detail", args=[self.pk])


class PresaleRequest(TenantModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        IN_PROGRESS = "in_progress", _("In progress")
        ANSWERED = "answered", _("Answered")
        DECLINED = "declined", _("Declined")

    account_field = "account_id"

    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="presale_requests")
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="presale_requests")
    services = models.CharField(_("services of interest"), max_length=500)
    expected_monthly = MoneyField(_("expected monthly consumption"))
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.RUB)
    description = models.TextField(_("description"))
    contact_name = models.CharField(_("contact name"), max_length=200)
    contact_email = models.EmailField(_("contact email"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    answer_due = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.account}: {self.services}"

    def get_absolute_url(self):
        return reverse("tools:presale_detail", args=[self.pk])


class Resource(models.Model):
    """The admin-managed catalogue of partner resources, visible to every partner role."""

    class Group(models.TextChoices):
        PARTNER_KIT = "kit", _("Partner Kit")
        CHANNEL = "channel", _("Partner channel")
        LEGAL = "legal", _("Legal documents")
        FORMS = "forms", _("Other forms")

    group = models.CharField(max_length=16, choices=Group.choices)
    title = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True)
    url = models.URLField(blank=True)
    file = models.FileField(upload_to="resources/", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["group", "position", "title"]

    def __str__(self):
        return self.title
