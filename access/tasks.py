"""Emails of Access management; each task takes an id, reloads, and is safe to retry."""

from celery import shared_task
from django.conf import settings

from portal import mail

from .models import Invitation


@shared_task(scope_from="access.Invitation", **mail.RETRY)
def send_access_invitation(invitation_id: int, language: str | None = None) -> None:
    """The invitee is no user yet: the invitation is in the language of the user who sent it."""
    from .services import invitation_url

    invitation = Invitation.objects.select_related("partner", "invited_by").get(pk=invitation_id)
    if invitation.status != Invitation.Status.PENDING or not invitation.nonce:
        return
    context = {
        "invitation": invitation,
        "url": invitation_url(invitation),
        "days": settings.ACCESS_INVITATION_MAX_AGE // 86400,
    }
    mail.send("access/email/invitation", context, [invitation.email], language=language)
