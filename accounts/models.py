from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from phonenumber_field.modelfields import PhoneNumberField

from portal.models import TenantModel
from portal.paths import object_path

from .tax_ids import validate_tax_id


class Account(TenantModel):
    """A business that is the partner's prospect or customer."""

    class Stage(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        CUSTOMER = "customer", _("Customer")

    account_field = "id"

    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="accounts")
    name = models.CharField(_("company name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=300, blank=True)
    country = CountryField(_("country"), default="RU")
    tax_id = models.CharField(
        _("tax id"), max_length=32, help_text=_("INN in Russia, BIN or IIN in Kazakhstan")
    )
    legal_address = models.TextField(_("legal address"), blank=True)
    mailing_address = models.TextField(_("mailing address"), blank=True)
    description = models.TextField(_("description"), blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.PROSPECT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        permissions = [("access_account", "May see this customer account (per-membership restriction)")]
        constraints = [models.UniqueConstraint(fields=["partner", "tax_id"], name="uniq_account_tax_id")]
        indexes = [models.Index(fields=["partner", "name"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return object_path("accounts:detail", self.pk)

    def contact_email(self) -> str:
        """Where a new subaccount's invitation goes when none is given (its page's form, the API): the
        account's first contact's address; "" without a contact."""
        contact = self.contacts.order_by("pk").first()
        return contact.email if contact else ""

    def clean(self):
        if self.tax_id and self.country:
            try:
                self.tax_id = validate_tax_id(str(self.country), self.tax_id)
            except ValidationError as error:
                raise ValidationError({"tax_id": error}) from None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class AccountContact(TenantModel):
    """A person at the customer (personal data: masked for roles without the right)."""

    partner_field = "account__partner"
    account_field = "account_id"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    phone = PhoneNumberField(_("phone"), blank=True)

    def __str__(self):
        return self.name


# The per-account grants of restricted memberships (``access_account``) with a real foreign key to the account
# (django-guardian's direct foreign keys, picked by its shortcuts by themselves): a restricted member's
# accounts are an integer join, not a cast of every account id to text compared with every grant's
# ``object_pk`` — 113 ms for a member with 1,000 accounts, on every query of every page they open.
class AccountUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Account, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("account permission of a user")


class AccountGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Account, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("account permission of a group")
