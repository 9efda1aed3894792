from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user

from portal.models import IdArray, TenantModel, TenantQuerySet, account_array
from portal.paths import object_path
from portal.permissions import Role, role_has


class Membership(TenantModel):
    """A user's role in one partner; ``restricted`` limits it to accounts granted through django-guardian."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    restricted = models.BooleanField(
        _("restricted to selected accounts"),
        default=False,
        help_text=_("When set, the user sees only the customer accounts granted to them."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "partner"], name="uniq_membership")]
        ordering = ["partner__name"]

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REMOVED = "removed", _("Removed")

    @property
    def status(self) -> str:
        return self.Status.REMOVED if self.removed_at else self.Status.ACTIVE

    def __str__(self):
        return f"{self.user} @ {self.partner} ({self.get_role_display()})"

    def get_absolute_url(self):
        return object_path("access:member_edit", self.pk)

    @classmethod
    def whole_partner(cls, partner) -> "Membership":
        """The partner read as a whole — what a task reads for the partner (its statement, say) — in the one
        shape every selector takes: an unrestricted membership, never saved."""
        return cls(partner=partner, role=Role.ADMINISTRATOR, restricted=False)

    def has(self, right) -> bool:
        return role_has(self.role, right)

    @cached_property
    def allowed_account_ids(self) -> list[int]:
        """Ids of the accounts a restricted membership may see (guardian object permissions), sorted: read
        once for this membership object — a request's —, so each query that filters by them takes the ids
        rather than guardian's permission subquery, built, compiled and planned anew in each (a restricted
        member's Subaccounts: the status counts 8 → 2.5 ms with 1,000 customers)."""

        from accounts.models import Account

        granted = get_objects_for_user(
            self.user, "accounts.access_account", klass=Account, accept_global_perms=False
        )
        # the partner's accounts among them (a filter of the grants' accounts, not a subquery in each grant's
        # table, as klass=<the partner's accounts> makes it), unsorted by the database (by name, otherwise)
        return sorted(granted.filter(partner_id=self.partner_id).order_by().values_list("id", flat=True))

    @cached_property
    def allowed_account_array(self) -> IdArray:
        """``allowed_account_ids`` as the queries that filter by them take them (portal.models.IdArray)."""
        return IdArray(self.allowed_account_ids)


class Invitation(TenantModel):
    """An invitation to join the partner with a role; its link carries ``nonce`` (replaced on resend)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    restricted = models.BooleanField(_("restricted to selected accounts"), default=False)
    accounts = models.ManyToManyField("accounts.Account", blank=True, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    nonce = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    def get_absolute_url(self):
        return reverse("access:members")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "email"],
                condition=models.Q(status="pending"),
                name="uniq_pending_invitation",
            )
        ]

    def __str__(self):
        return self.email


class AuditEvent(TenantModel):
    """Append-only (a database trigger refuses UPDATE and DELETE): who changed what, when, from where."""

    # PROTECT: an entry outlives nothing it names; users are deactivated, never deleted
    partner = models.ForeignKey("profiles.Partner", on_delete=models.PROTECT, related_name="audit_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=255)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.action} {self.target}"


class UserPreferences(models.Model):
    """A user's own settings, whichever partner they work for: the portal's language (the header's switch;
    their emails are written in it too) and which notifications also come by email."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="preferences"
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    # the kinds of notification the user reads in the portal only; every other kind also comes by email
    email_off = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("user preferences")
        verbose_name_plural = _("user preferences")

    def __str__(self):
        return f"{self.user}: {self.language or '-'}"


class NotificationQuerySet(TenantQuerySet):
    def restrict(self, membership) -> "NotificationQuerySet":
        """A member's own notifications of the membership's partner, and nothing of anyone else's. A member
        restricted to some customers sees those about the customers they may see and the reports they made,
        never partner-wide money (a withdrawal) — even one recorded before the restriction."""
        qs = self.for_partner(membership.partner_id).filter(user_id=membership.user_id)
        if membership.restricted:
            qs = qs.filter(
                models.Q(account_id__any=account_array(membership))
                | models.Q(account__isnull=True, kind=Notification.Kind.REPORT_READY)
            )
        return qs

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(TenantModel):
    """What the portal told one member (a user in one partner) about one of that partner's objects: the
    kind, the object's page and the words' parameters; the sentence itself is written when shown, in the
    reader's language of the day (``access.notifications.text``). ``key`` names the event: a task run twice
    records it once per recipient."""

    class Kind(models.TextChoices):
        SUBACCOUNT_ANSWERED = "subaccount_answered", _("Subaccount accepted or declined by the customer")
        REGISTRATION_STATUS = "registration_status", _("Registration status changed")
        REGISTRATION_EXPIRING = "registration_expiring", _("Registration expires soon")
        PRESALE_STATUS = "presale_status", _("Presale request status changed")
        COMMENT = "comment", _("Comment from the provider")
        WITHDRAWAL = "withdrawal", _("Withdrawal paid or rejected")
        REPORT_READY = "report_ready", _("Report ready")

    account_field = "account_id"  # NotificationQuerySet.restrict: the member's own, and their customers'

    partner = models.ForeignKey("profiles.Partner", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # the customer the object belongs to (none for partner-wide money and reports): a restricted member's wall
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    params = models.JSONField(default=dict, blank=True)
    path = models.CharField(max_length=255)  # the object's page
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "partner", "key"], name="uniq_notification_event")
        ]
        indexes = [
            models.Index(fields=["user", "partner", "-created_at"], name="access_notification_list"),
            models.Index(
                fields=["user", "partner"],
                condition=models.Q(read_at__isnull=True),
                name="access_notification_unread",
            ),
        ]

    def __str__(self):
        return f"{self.kind} → {self.user_id} @ {self.partner_id}"

    def get_absolute_url(self):
        return object_path("access:notification", self.pk)

    @property
    def text(self) -> str:
        from .notifications import text

        return text(self)


class ApiToken(TenantModel):
    """A key for the partner's own systems (the API, ``/api/v1/``): it acts as one membership — that member's
    role and customer restriction, read afresh at every request — narrowed further by its scopes (per
    section, read or read and write) and its expiry.

    Only a SHA-256 of the secret is kept: the whole token is shown once, when it is made. ``prefix`` (not
    secret) finds the row; the hash is then compared in constant time (access/tokens.py)."""

    class Section(models.TextChoices):
        ACCOUNTS = "accounts", _("Accounts and subaccounts")
        FINANCE = "finance", _("Finance")
        TOOLS = "tools", _("Sales tools")

    class Level(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    partner_field = "membership__partner"

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    # {"accounts": "write", "finance": "read"}: a section left out is not reachable with the token
    scopes = models.JSONField(_("scopes"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("access:tokens")

    def allows(self, section: str, *, write: bool) -> bool:
        level = self.scopes.get(section)
        return level == self.Level.WRITE if write else level in (self.Level.READ, self.Level.WRITE)

    @property
    def status(self) -> str:
        from django.utils import timezone

        if self.revoked_at:
            return _("Revoked")
        if self.expires_at <= timezone.now():
            return _("Expired")
        return _("Active")
