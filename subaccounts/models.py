from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import TenantModel
from portal.paths import object_path


class Subaccount(TenantModel):
    """A customer's billing subaccount under the partner."""

    class Status(models.TextChoices):
        ACCEPTANCE_REQUIRED = "acceptance_required", _("Acceptance required")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        INACTIVE = "inactive", _("Inactive")

    account_field = "account_id"

    # partner is denormalised from the account for index-only scoping at 500,000 subaccounts.
    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="subaccounts")
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="subaccounts")
    billing_account_id = models.CharField(_("billing account id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    customer_email = models.EmailField(_("customer email"))
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.ACCEPTANCE_REQUIRED
    )
    is_partner_own = models.BooleanField(
        _("partner's own consumption"), default=False, help_text=_("Own consumption never earns a bonus.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # the current invitation link carries this nonce: a resend replaces it, acceptance clears it
    invitation_nonce = models.CharField(max_length=32, blank=True, editable=False)
    invitation_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["partner", "status"]),
            models.Index(fields=["partner", "name"]),
            # the partner's own subaccounts (few): Subaccount details reads their rows apart
            models.Index(
                fields=["partner"], condition=models.Q(is_partner_own=True), name="subaccount_partner_own"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_path("subaccounts:detail", self.pk)


class SubaccountEvent(TenantModel):
    """One status change: who, when, from, to and why."""

    partner_field = "subaccount__partner"
    account_field = "subaccount__account_id"

    subaccount = models.ForeignKey(Subaccount, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    from_status = models.CharField(max_length=24, choices=Subaccount.Status.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=Subaccount.Status.choices)
    reason = models.TextField(blank=True)
    # where an invitation went: personal data, kept apart from the reason so that it can be masked
    recipient = models.EmailField(_("recipient"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.subaccount}: {self.from_status} → {self.to_status}"
