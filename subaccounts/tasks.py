"""Emails of the Subaccounts section; each task takes an id, reloads, and is safe to retry."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_subaccount_invitation(subaccount_id: int) -> None:
    from .models import Subaccount
    from .services import invitation_url

    subaccount = Subaccount.objects.select_related("account", "partner").get(pk=subaccount_id)
    if subaccount.status != Subaccount.Status.ACCEPTANCE_REQUIRED or not subaccount.invitation_nonce:
        return  # answered or cancelled before the mail went out
    context = {
        "subaccount": subaccount,
        "url": invitation_url(subaccount),
        "days": settings.SUBACCOUNT_INVITATION_MAX_AGE // 86400,
    }
    send_mail(
        subject=render_to_string("subaccounts/email/invitation_subject.txt", context).strip(),
        message=render_to_string("subaccounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[subaccount.customer_email],
    )


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def notify_partner_of_answer(subaccount_id: int) -> None:
    from access.selectors import partner_notification_emails

    from .models import Subaccount

    subaccount = Subaccount.objects.select_related("account", "partner", "created_by").get(pk=subaccount_id)
    context = {"subaccount": subaccount, "accepted": subaccount.status == Subaccount.Status.ACTIVE}
    send_mail(
        subject=render_to_string("subaccounts/email/answered_subject.txt", context).strip(),
        message=render_to_string("subaccounts/email/answered.txt", context),
        from_email=None,
        recipient_list=partner_notification_emails(subaccount.partner_id, also=subaccount.created_by),
    )
