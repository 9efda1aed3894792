"""Writes of Access management: memberships, invitations, per-account scope. Every change is audited."""

from __future__ import annotations

import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from access.audit import audit
from accounts.models import Account
from portal import links, outbox
from portal.permissions import Role

from . import tasks, tokens
from .models import ApiToken, Invitation, Membership

ACCOUNT_PERM = "accounts.access_account"
INVITATION_LINK = links.SingleUseLink(salt="access.invitation", key="i")


def _refuse_losing_the_last_administrator(membership: Membership, *, new_role: str | None) -> None:
    if membership.role != Role.ADMINISTRATOR or new_role == Role.ADMINISTRATOR:
        return
    others = Membership.objects.select_for_update().filter(
        partner_id=membership.partner_id, role=Role.ADMINISTRATOR, removed_at__isnull=True
    )
    if not others.exclude(pk=membership.pk).exists():
        raise ValidationError({"role": _("A partner needs at least one Administrator.")})


def _check_scope(role: str, restricted: bool, accounts) -> None:
    if restricted and role == Role.ADMINISTRATOR:
        raise ValidationError({"restricted": _("An Administrator always sees every customer account.")})
    if restricted and not accounts:
        raise ValidationError({"accounts": _("Pick the customer accounts this user may see.")})


def granted_accounts(membership: Membership):
    """The partner's accounts a user holds the per-account permission on (a queryset)."""
    return get_objects_for_user(
        membership.user,
        ACCOUNT_PERM,
        klass=Account.objects.filter(partner_id=membership.partner_id),
        accept_global_perms=False,
    )


def _set_accounts(membership: Membership, accounts) -> None:
    """Make the user's grants in this partner exactly ``accounts`` (django-guardian object permissions)."""
    wanted = {a.pk for a in accounts}
    current = set(granted_accounts(membership).values_list("pk", flat=True))
    partner_accounts = Account.objects.filter(partner_id=membership.partner_id)
    if current - wanted:
        remove_perm(ACCOUNT_PERM, membership.user, partner_accounts.filter(pk__in=current - wanted))
    if wanted - current:
        assign_perm(ACCOUNT_PERM, membership.user, partner_accounts.filter(pk__in=wanted - current))


@transaction.atomic
def membership_update(
    *, membership: Membership, actor, role: str, restricted: bool, accounts=()
) -> Membership:
    """Change a user's role and scope (atomic, audited); never leaves the partner without an Administrator."""
    _refuse_losing_the_last_administrator(membership, new_role=role)
    _check_scope(role, restricted, accounts)
    before = {
        "role": membership.role,
        "restricted": membership.restricted,
        "accounts": sorted(granted_accounts(membership).values_list("name", flat=True)),
    }
    membership.role, membership.restricted = role, restricted
    membership.save(update_fields=["role", "restricted"])
    _set_accounts(membership, accounts if restricted else ())
    after = {
        "role": role,
        "restricted": restricted,
        "accounts": sorted(a.name for a in accounts) if restricted else [],
    }
    audit(
        partner_id=membership.partner_id,
        actor=actor,
        action="membership.change",
        target=membership.user.email,
        details={"before": before, "after": after},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor) -> Membership:
    """Take a user out of the partner: access ends on their next request; the last Administrator stays."""
    if membership.removed_at:
        raise ValidationError(_("This user has already been removed."))
    _refuse_losing_the_last_administrator(membership, new_role=None)
    membership.removed_at = timezone.now()
    membership.save(update_fields=["removed_at"])
    _set_accounts(membership, ())
    # a removed member's tokens stop at once, and stay stopped should the user be invited back
    ApiToken.objects.filter(membership=membership, revoked_at__isnull=True).update(
        revoked_at=membership.removed_at
    )
    audit(
        partner_id=membership.partner_id,
        actor=actor,
        action="membership.remove",
        target=membership.user.email,
        details={"role": membership.role},
    )
    return membership


# Invitations ---------------------------------------------------------------------------------------------


class InvitationError(Exception):
    EXPIRED = gettext_lazy("This invitation has expired. Ask the partner's administrator for a new one.")
    INVALID = gettext_lazy(
        "This invitation link is not valid. Please use the link from the latest email exactly."
    )
    USED = gettext_lazy("This invitation has already been used or was withdrawn.")
    OTHER_USER = gettext_lazy("This invitation was sent to %(email)s. Log out and follow the link again.")

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _send(invitation: Invitation) -> None:
    invitation.nonce = links.new_nonce()
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + datetime.timedelta(
        seconds=settings.ACCESS_INVITATION_MAX_AGE
    )
    invitation.save(update_fields=["nonce", "sent_at", "expires_at"])
    outbox.enqueue(tasks.send_access_invitation, invitation.pk, language=translation.get_language())


@transaction.atomic
def invitation_create(
    *, partner, email: str, role: str, restricted: bool, accounts, invited_by
) -> Invitation:
    """Invite ``email`` to join ``partner`` with ``role``; the link is signed, single-use and expires."""
    email = get_user_model().objects.normalize_email(email).lower()
    _check_scope(role, restricted, accounts)
    if Membership.objects.filter(
        partner=partner, user__email__iexact=email, removed_at__isnull=True
    ).exists():
        raise ValidationError({"email": _("This person is already a user of your partner account.")})
    if Invitation.objects.filter(
        partner=partner, email__iexact=email, status=Invitation.Status.PENDING
    ).exists():
        raise ValidationError(
            {"email": _("This person already has a pending invitation; resend it instead.")}
        )
    invitation = Invitation.objects.create(
        partner=partner,
        email=email,
        role=role,
        restricted=restricted,
        invited_by=invited_by,
        expires_at=timezone.now(),
    )
    invitation.accounts.set(accounts if restricted else [])
    _send(invitation)
    audit(
        partner_id=partner.pk,
        actor=invited_by,
        action="invitation.create",
        target=email,
        details={"role": role, "restricted": restricted},
    )
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor) -> Invitation:
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(_("Only a pending invitation can be resent."))
    _send(invitation)
    audit(partner_id=invitation.partner_id, actor=actor, action="invitation.resend", target=invitation.email)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(_("Only a pending invitation can be revoked."))
    invitation.status, invitation.nonce = Invitation.Status.REVOKED, ""
    invitation.save(update_fields=["status", "nonce"])
    audit(partner_id=invitation.partner_id, actor=actor, action="invitation.revoke", target=invitation.email)
    return invitation


def invitation_token(invitation: Invitation) -> str:
    return INVITATION_LINK.token(invitation.pk, invitation.nonce)


def invitation_url(invitation: Invitation) -> str:

    return links.absolute_url(reverse("access:invitation", args=[invitation_token(invitation)]))


def invitation_resolve(token: str) -> Invitation:
    """The invitation behind a link, or InvitationError: tampered with, expired, revoked or already used."""
    read = INVITATION_LINK.read(token)
    if read is None:
        raise InvitationError(InvitationError.INVALID)
    pk, nonce = read
    invitation = Invitation.objects.select_related("partner").filter(pk=pk).first()
    if invitation is None:
        raise InvitationError(InvitationError.INVALID)
    if invitation.status != Invitation.Status.PENDING or not INVITATION_LINK.matches(invitation.nonce, nonce):
        raise InvitationError(InvitationError.USED)
    if invitation.expires_at <= timezone.now():
        raise InvitationError(InvitationError.EXPIRED)
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user) -> Membership:
    """``user`` (whose email the invitation names) joins the partner with the invited role and scope."""
    invitation = invitation_resolve(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise InvitationError(InvitationError.USED)
    if user.email.lower() != invitation.email.lower():
        raise InvitationError(InvitationError.OTHER_USER % {"email": invitation.email})
    membership, _created = Membership.objects.update_or_create(
        user=user,
        partner=invitation.partner,
        defaults={"role": invitation.role, "restricted": invitation.restricted, "removed_at": None},
    )
    _set_accounts(membership, list(invitation.accounts.all()) if invitation.restricted else ())
    invitation.status, invitation.nonce = Invitation.Status.ACCEPTED, ""
    invitation.save(update_fields=["status", "nonce"])
    audit(
        partner_id=invitation.partner_id,
        actor=user,
        action="invitation.accept",
        target=user.email,
        details={"role": invitation.role, "restricted": invitation.restricted},
    )
    return membership


@transaction.atomic
def user_sign_up_from_invitation(*, token: str, password: str):
    """A new user from an invitation: the link proved the email, so it is verified; then they join."""

    invitation = invitation_resolve(token)
    User = get_user_model()  # noqa: N806
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("An account with this email exists already: log in to accept."))
    user = User.objects.create_user(username=invitation.email, email=invitation.email, password=password)
    EmailAddress.objects.create(user=user, email=invitation.email, verified=True, primary=True)
    invitation_accept(token=token, user=user)
    return user


@transaction.atomic
def partner_security_update(*, partner, actor, require_two_factor: bool):
    before = partner.require_two_factor
    partner.require_two_factor = require_two_factor
    partner.save(update_fields=["require_two_factor"])
    audit(
        partner_id=partner.pk,
        actor=actor,
        action="security.change",
        target=partner.name,
        details={"require_two_factor": {"before": before, "after": require_two_factor}},
    )
    return partner


# API tokens -----------------------------------------------------------------------------------------------


API_TOKEN_MAX_DAYS = 366


def _check_scopes(scopes: dict) -> dict:
    cleaned = {
        section: level
        for section, level in scopes.items()
        if section in ApiToken.Section.values and level in ApiToken.Level.values
    }
    if not cleaned:
        raise ValidationError({"scopes": _("Give the token at least one section to read.")})
    return cleaned


@transaction.atomic
def api_token_create(
    *, membership: Membership, actor, name: str, scopes: dict, expires_at: datetime.datetime
) -> tuple[ApiToken, str]:
    """A new token acting as ``membership``; returns it with its secret — the one time the secret exists
    outside the caller's hands (only its SHA-256 is stored)."""
    if expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("Choose an expiry date in the future.")})
    if expires_at > timezone.now() + datetime.timedelta(days=API_TOKEN_MAX_DAYS):
        raise ValidationError(
            {"expires_at": _("A token lives at most %(days)s days.") % {"days": API_TOKEN_MAX_DAYS}}
        )
    secret, prefix = tokens.new_secret()
    token = ApiToken.objects.create(
        membership=membership,
        name=name,
        prefix=prefix,
        secret_hash=tokens.digest(secret),
        scopes=_check_scopes(scopes),
        created_by=actor,
        expires_at=expires_at,
    )
    audit(
        partner_id=membership.partner_id,
        actor=actor,
        action="api_token.create",
        target=name,
        details={
            "user": membership.user.email,
            "scopes": token.scopes,
            "expires": expires_at.date().isoformat(),
        },
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    if token.revoked_at is not None:
        raise ValidationError(_("This token has already been revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit(
        partner_id=token.membership.partner_id,
        actor=actor,
        action="api_token.revoke",
        target=token.name,
        details={"user": token.membership.user.email},
    )
    return token


def api_token_used(token: ApiToken) -> None:
    """Note when the token was last used, at most once a minute (not a write per request)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        with scope(partner=token.membership.partner_id):  # before the request's scope is open
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
