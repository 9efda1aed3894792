"""The referral program's records: the links a partner shares, their counted clicks, the invitations sent
with them and the customers they brought. The tables keep the names they had in finance (``finance_…``),
where the program started: moving the models changed no SQL."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.links import absolute_url
from portal.models import TenantModel
from portal.periods import program_window


class ReferralLink(TenantModel):
    """A link a referral partner shares: ``/r/<code>`` counts the click and sends the visitor on."""

    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="referral_links")
    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100, default="", help_text=_("for you, e.g. the campaign"))
    landing_url = models.URLField(_("landing page"), default="", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "finance_referrallink"
        ordering = ["-created_at"]

    def __str__(self):
        return self.name or self.code

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None

    def get_absolute_url(self):
        return reverse("referral:links")

    @property
    def public_url(self) -> str:
        return absolute_url(reverse("referral_redirect", args=[self.code]))


class ReferralClick(TenantModel):
    """One counted click. No address or browser is kept: ``visitor`` is a keyed hash of them that changes
    every day, enough to not count a visitor's repeated clicks twice and useless for tracking anyone."""

    partner_field = "link__partner"

    link = models.ForeignKey(ReferralLink, on_delete=models.CASCADE, related_name="clicks")
    visitor = models.CharField(max_length=32, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "finance_referralclick"
        indexes = [models.Index(fields=["link", "visitor", "created_at"])]


class ReferralInvitation(TenantModel):
    """A referral link sent by email from the portal on the partner's behalf (counted against a daily limit
    so the provider's mail is never a spam channel)."""

    partner_field = "link__partner"

    link = models.ForeignKey(ReferralLink, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    message = models.TextField(_("message"), blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "finance_referralinvitation"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["link", "created_at"])]

    def __str__(self):
        return self.email


class ReferredCustomer(TenantModel):
    """A customer attributed to the partner by a referral link; commissions run 12 months from sign-up."""

    partner_field = "link__partner"
    account_field = "account_id"

    link = models.ForeignKey(ReferralLink, on_delete=models.PROTECT, related_name="customers")
    account = models.OneToOneField("accounts.Account", on_delete=models.PROTECT, related_name="referral")
    signed_up_at = models.DateField()
    consent_at = models.DateTimeField(
        null=True, blank=True, help_text=_("when the customer agreed to the partner seeing their consumption")
    )

    class Meta:
        db_table = "finance_referredcustomer"

    def __str__(self):
        return str(self.account)

    @property
    def commission_until(self) -> datetime.date:
        """The last day of the commission's window (the sign-up month first)."""
        return program_window(self.signed_up_at).end - datetime.timedelta(days=1)
