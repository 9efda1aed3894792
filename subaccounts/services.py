"""Writes of the Subaccounts section. Status changes go through lifecycle.transition only."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from portal import links, outbox

from . import lifecycle, tasks
from .models import Subaccount, SubaccountEvent

INVITATION_LINK = links.SingleUseLink(salt="subaccounts.invitation", key="s")


class InvitationError(Exception):
    """A link that cannot be used; ``message`` says why in the customer's words."""

    EXPIRED = _("This invitation link has expired. Ask your partner to send a new one.")
    INVALID = _("This invitation link is not valid. Please use the link from the latest email exactly.")
    USED = _("This invitation has already been answered or withdrawn; nothing more is needed.")
    REPLACED = _(
        "A newer invitation link was sent to you; this one no longer works. Please use the link in the "
        "latest email from your partner."
    )

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _queue_invitation(subaccount: Subaccount) -> None:
    subaccount.invitation_nonce = links.new_nonce()
    subaccount.invitation_sent_at = timezone.now()
    subaccount.save(update_fields=["invitation_nonce", "invitation_sent_at"])
    outbox.enqueue(tasks.send_subaccount_invitation, subaccount.pk, language=translation.get_language())


@transaction.atomic
def subaccount_create(*, account, name: str, customer_email: str, created_by) -> Subaccount:
    """Create a subaccount awaiting the customer's acceptance and email them the signed link (Celery)."""
    if account.archived_at is not None:
        raise ValidationError(_("Restore the archived customer account before creating a subaccount."))
    subaccount = Subaccount(
        partner_id=account.partner_id,
        account=account,
        name=name,
        customer_email=customer_email,
        billing_account_id=f"ba-{secrets.token_hex(8)}",
        created_by=created_by,
        status=Subaccount.Status.ACCEPTANCE_REQUIRED,
        status_changed_at=timezone.now(),
    )
    subaccount.full_clean()
    subaccount.save()
    SubaccountEvent.objects.create(
        subaccount=subaccount,
        actor=created_by,
        to_status=Subaccount.Status.ACCEPTANCE_REQUIRED,
        reason=str(_("Invitation sent")),
        recipient=customer_email,
    )
    _queue_invitation(subaccount)
    return subaccount


@transaction.atomic
def invitation_resend(*, subaccount: Subaccount, actor=None) -> Subaccount:
    """Send a new link; the previous one stops working. The resend is in the subaccount's history."""
    if subaccount.status != Subaccount.Status.ACCEPTANCE_REQUIRED:
        raise ValidationError(_("Only a subaccount awaiting acceptance has an invitation to resend."))
    SubaccountEvent.objects.create(
        subaccount=subaccount,
        actor=actor,
        from_status=subaccount.status,
        to_status=subaccount.status,
        reason=str(_("Invitation resent; the previous link stopped working")),
        recipient=subaccount.customer_email,
    )
    _queue_invitation(subaccount)
    return subaccount


def invitation_token(subaccount: Subaccount) -> str:
    """The same token every time for the same invitation: the page shows exactly the emailed link.

    It carries no timestamp; the link expires a fixed time after ``invitation_sent_at``, so showing or
    copying it never extends it.
    """
    return INVITATION_LINK.token(subaccount.pk, subaccount.invitation_nonce)


def invitation_url(subaccount: Subaccount) -> str:

    path = reverse("subaccounts:invitation", args=[invitation_token(subaccount)])
    return links.absolute_url(path)


def invitation_resolve(token: str) -> Subaccount:
    """The subaccount a link invites to, or InvitationError: expired, tampered with, or already used."""
    read = INVITATION_LINK.read(token)
    if read is None:
        raise InvitationError(InvitationError.INVALID)
    pk, nonce = read
    subaccount = Subaccount.objects.select_related("account", "partner").filter(pk=pk).first()
    if subaccount is None:
        raise InvitationError(InvitationError.INVALID)
    if subaccount.status != Subaccount.Status.ACCEPTANCE_REQUIRED:
        raise InvitationError(InvitationError.USED)
    if not INVITATION_LINK.matches(subaccount.invitation_nonce, nonce):
        raise InvitationError(InvitationError.REPLACED)  # still awaiting an answer: a newer link was sent
    max_age = datetime.timedelta(seconds=settings.SUBACCOUNT_INVITATION_MAX_AGE)
    if subaccount.invitation_sent_at is None or timezone.now() - subaccount.invitation_sent_at > max_age:
        raise InvitationError(InvitationError.EXPIRED)
    return subaccount


@transaction.atomic
def invitation_answer(*, token: str, accept: bool) -> Subaccount:
    """The customer accepts (→ Active) or declines (→ Inactive); the link is spent; the partner is told."""
    subaccount = invitation_resolve(token)
    action = lifecycle.ACCEPT if accept else lifecycle.DECLINE
    reason = _("Accepted by the customer") if accept else _("Declined by the customer")
    try:
        lifecycle.transition(subaccount, action, reason=str(reason))
    except ValidationError:  # another answer on the same link came first (the transition locks the row)
        raise InvitationError(InvitationError.USED) from None
    Subaccount.objects.filter(pk=subaccount.pk).update(invitation_nonce="")
    outbox.enqueue(tasks.notify_partner_of_answer, subaccount.pk)
    return subaccount


def subaccount_act(*, subaccount: Subaccount, action: str, actor, reason: str = "") -> Subaccount:
    """A partner's status change (cancel, suspend, resume, deactivate), through the state machine."""
    if action in (lifecycle.ACCEPT.name, lifecycle.DECLINE.name):
        raise ValidationError(_("Only the customer can answer an invitation."))
    with transaction.atomic():
        subaccount = lifecycle.transition(subaccount, lifecycle.ACTIONS[action], actor=actor, reason=reason)
        if action == lifecycle.CANCEL.name:
            Subaccount.objects.filter(pk=subaccount.pk).update(invitation_nonce="")
    return subaccount
