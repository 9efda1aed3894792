from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_access_invitation(invitation_id: int) -> None:
    from .models import Invitation
    from .services import invitation_url

    invitation = Invitation.objects.select_related("partner", "invited_by").get(pk=invitation_id)
    if invitation.status != Invitation.Status.PENDING or not invitation.nonce:
        return
    context = {
        "invitation": invitation,
        "url": invitation_url(invitation),
        "days": settings.ACCESS_INVITATION_MAX_AGE // 86400,
    }
    send_mail(
        subject=render_to_string("access/email/invitation_subject.txt", context).strip(),
        message=render_to_string("access/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
