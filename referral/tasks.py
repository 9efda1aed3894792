from celery import shared_task
from django.utils import timezone

from portal import mail

from .models import ReferralInvitation


# The name it had in finance: outbox rows and queued messages written before the move still find it.
@shared_task(
    name="finance.tasks.send_referral_invitation",
    scope_from="referral.ReferralInvitation",
    acks_late=True,
    **mail.RETRY,
)
def send_invitation(invitation_id: int, language: str | None = None) -> bool:
    """Email one referral invitation on the partner's behalf (replies go to the partner's user); a retry
    after it was sent sends nothing."""

    invitation = ReferralInvitation.objects.select_related("link__partner", "sent_by").get(pk=invitation_id)
    if invitation.sent_at is not None:
        return False
    context = {"invitation": invitation, "link": invitation.link, "partner": invitation.link.partner}
    sender = invitation.sent_by.email if invitation.sent_by else ""
    mail.send("referral/email/invitation", context, [invitation.email], reply_to=sender, language=language)
    ReferralInvitation.objects.filter(pk=invitation_id).update(sent_at=timezone.now())
    return True
