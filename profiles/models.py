from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from portal.models import TenantModel
from portal.money import Currency, MoneyField

from .banking import validate_payout_details


class Partner(models.Model):
    """The tenant: a reseller or referral partner organisation."""

    class Type(models.TextChoices):
        RESELLER = "reseller", _("Reseller")
        REFERRAL = "referral", _("Referral")

    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=300)
    tax_id = models.CharField(_("tax id"), max_length=32, unique=True)
    country = models.CharField(_("country"), max_length=2, default="RU")
    legal_address = models.TextField(_("legal address"), blank=True)
    mailing_address = models.TextField(_("mailing address"), blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.RUB)
    partner_type = models.CharField(
        _("partner type"), max_length=16, choices=Type.choices, default=Type.RESELLER
    )
    partner_since = models.DateField(_("partner since"), null=True, blank=True)
    require_two_factor = models.BooleanField(
        _("require two-factor authentication"),
        default=False,
        help_text=_(
            "Users without a second factor must set one up before they reach any page of this partner."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")

    def __str__(self):
        return self.name


class Specialization(models.Model):
    """Catalogue managed by portal administrators (Infrastructure, DevOps, ML & AI, …)."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    yearly_threshold = MoneyField(_("yearly consumption threshold"))
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.RUB)
    service_ids = models.CharField(
        _("counted services"),
        max_length=500,
        blank=True,
        help_text=_(
            "Comma-separated service ids whose consumption counts (ML & AI); empty counts every service."
        ),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PartnerSpecialization(TenantModel):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="specializations")
    specialization = models.ForeignKey(Specialization, on_delete=models.PROTECT)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    active_since = models.DateField(null=True, blank=True)
    active_until = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "specialization"], name="uniq_partner_specialization")
        ]

    def __str__(self):
        return f"{self.partner} · {self.specialization}"


class PartnerContact(TenantModel):
    """A primary contact of the partner organisation (personal data)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    email = models.EmailField(_("email"))
    phone = PhoneNumberField(_("phone"), blank=True)

    def __str__(self):
        return self.name


class PayoutDetails(TenantModel):
    """The bank account of the partner agreement, where withdrawals are paid (personal data)."""

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="payout_details")
    bank_name = models.CharField(_("bank"), max_length=200)
    bic = models.CharField(_("BIC"), max_length=16)
    account_number = models.CharField(_("account number"), max_length=34)
    correspondent_account = models.CharField(_("correspondent account"), max_length=34, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name_plural = _("payout details")

    def __str__(self):
        return f"{self.bank_name} ···{self.account_number[-4:]}"

    def clean(self):
        """The BIC and accounts checked by the rules of profiles.banking and kept compact; the portal's form
        and Django admin both come here."""
        country = self.partner.country if self.partner_id else ""  # an admin inline of a new partner: unknown
        values = validate_payout_details(
            country=country,
            bic=self.bic,
            account_number=self.account_number,
            correspondent_account=self.correspondent_account,
        )
        for name, value in values.items():
            setattr(self, name, value)
