from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import TenantModel, choice_label
from portal.money import Currency, MoneyField
from portal.paths import object_path
from portal.periods import MonthRange, program_window


class ProgramSettings(models.Model):
    """The program's numbers, managed by portal administrators (one row)."""

    deal_min_rub = MoneyField(_("deal minimum, RUB a month"), default=30000)
    deal_min_kzt = MoneyField(_("deal minimum, KZT a month"), default=150000)
    deal_subaccount_days = models.PositiveSmallIntegerField(_("days to create the subaccount"), default=60)
    review_business_days = models.PositiveSmallIntegerField(_("review target, business days"), default=20)
    presale_business_days = models.PositiveSmallIntegerField(
        _("presale answer target, business days"), default=3
    )
    expiry_warning_days = models.PositiveSmallIntegerField(
        _("warn partners this many days before"), default=7
    )
    referral_enrollment_open = models.BooleanField(
        _("new partners may join the referral program"),
        default=False,
        help_text=_("Partners already in it keep their links and terms either way."),
    )
    referral_click_window_minutes = models.PositiveSmallIntegerField(
        _("a visitor's repeated clicks on a link count once within (minutes)"), default=30
    )

    class Meta:
        verbose_name = verbose_name_plural = _("program settings")

    def __str__(self):
        return str(_("Program settings"))

    def save(self, *args, **kwargs):
        self.pk = 1  # one row: whatever admin adds or edits is the row current() reads
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "ProgramSettings":
        """The one row, or the defaults while administrators have not saved it (reading never writes)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


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
    account = models.ForeignKey(
        "accounts.Account", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="registrations"
    )
    kind = models.CharField(_("request type"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    expected_monthly = MoneyField(_("expected monthly consumption"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.RUB)
    services = models.CharField(_("services"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    project_scope = models.CharField(
        _("cloud or folder id"),
        max_length=64,
        blank=True,
        help_text=_("For a customer project: its cloud or folder"),
    )
    procurement = models.BooleanField(_("procurement (44-FZ/223-FZ)"), default=False)
    contract_start = models.DateField(_("contract start"), null=True, blank=True)
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    conflict = models.BooleanField(default=False, help_text=_("Another partner holds this customer"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    review_due = models.DateTimeField(_("review due"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partner", "status"]), models.Index(fields=["status", "expires_at"])]

    def __str__(self):
        return f"{choice_label(self.Kind, self.kind)}: {self.account}"

    def get_absolute_url(self):
        return object_path("tools:registration_detail", self.pk)

    @property
    def rebate_window(self) -> MonthRange | None:
        """The months an approved project's rebate runs: the approval month (provider's time zone) first."""
        if self.kind != self.Kind.PROJECT or self.decided_at is None or self.status != self.Status.APPROVED:
            return None
        return program_window(timezone.localdate(self.decided_at))

    @property
    def review_overdue(self) -> bool:
        return (
            self.status == self.Status.SUBMITTED
            and bool(self.review_due)
            and self.review_due < timezone.now()
        )


class PresaleRequest(TenantModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        IN_PROGRESS = "in_progress", _("In progress")
        ANSWERED = "answered", _("Answered")
        DECLINED = "declined", _("Declined")

    account_field = "account_id"

    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="presale_requests")
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="presale_requests",
    )
    services = models.CharField(_("services of interest"), max_length=500)
    expected_monthly = MoneyField(_("expected monthly consumption"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.RUB)
    description = models.TextField(_("description"))
    contact_name = models.CharField(_("contact name"), max_length=200)
    contact_email = models.EmailField(_("contact email"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    answer_due = models.DateTimeField(_("answer due"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.account}: {self.services}"

    def get_absolute_url(self):
        return object_path("tools:presale_detail", self.pk)

    @property
    def overdue(self) -> bool:
        open_ = self.status in (self.Status.SUBMITTED, self.Status.IN_PROGRESS)
        return open_ and bool(self.answer_due) and self.answer_due < timezone.now()


class ToolsRecord(TenantModel):
    """Base of what hangs off a registration or a presale request (exactly one of them)."""

    account_field = "account_id"

    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="+")
    registration = models.ForeignKey(Registration, null=True, blank=True, on_delete=models.CASCADE)
    presale = models.ForeignKey(PresaleRequest, null=True, blank=True, on_delete=models.CASCADE)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def parent(self):
        return self.registration or self.presale

    def get_absolute_url(self):
        return self.parent.get_absolute_url()


def _one_parent(name):
    return models.CheckConstraint(
        condition=models.Q(registration__isnull=True, presale__isnull=False)
        | models.Q(registration__isnull=False, presale__isnull=True),
        name=name,
    )


class Comment(ToolsRecord):
    """A message on a registration or presale request, from the partner or from the provider."""

    text = models.TextField(_("comment"))
    by_provider = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at"]
        constraints = [_one_parent("tools_comment_one_parent")]
        indexes = [models.Index(fields=["registration"]), models.Index(fields=["presale"])]

    def __str__(self):
        return self.text[:60]


class Attachment(ToolsRecord):
    """A file attached by the partner: checked by content, stored through Django's storage API, served only
    to the partner's users."""

    file = models.FileField(upload_to="tools/attachments/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["created_at"]
        constraints = [_one_parent("tools_attachment_one_parent")]

    def __str__(self):
        return self.name


class RegistrationEvent(TenantModel):
    partner_field = "registration__partner"
    account_field = "registration__account_id"

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    from_status = models.CharField(max_length=16, choices=Registration.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Registration.Status.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.registration_id}: {self.from_status} → {self.to_status}"


class Resource(models.Model):
    """The admin-managed catalogue of partner resources, visible to every partner role."""

    class Group(models.TextChoices):
        PARTNER_KIT = "kit", _("Partner Kit")
        CHANNEL = "channel", _("Partner channel")
        LEGAL = "legal", _("Legal documents")
        FORMS = "forms", _("Other forms")

    group = models.CharField(_("group"), max_length=16, choices=Group.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)
    url = models.URLField(_("link"), blank=True)
    file = models.FileField(_("file"), upload_to="resources/", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["group", "position", "title"]

    def __str__(self):
        return self.title
