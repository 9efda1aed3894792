"""Emails of the Subaccounts section; each task takes an id, reloads, and is safe to retry."""

from celery import shared_task
from django.conf import settings

from access.selectors import partner_notification_recipients
from portal import mail

from .models import Subaccount


@shared_task(scope_from="subaccounts.Subaccount", **mail.RETRY)
def send_subaccount_invitation(subaccount_id: int, language: str | None = None) -> None:
    """The customer's invitation, in the language of the partner's user who sent it."""
    from .services import invitation_url

    subaccount = Subaccount.objects.select_related("account", "partner").get(pk=subaccount_id)
    if subaccount.status != Subaccount.Status.ACCEPTANCE_REQUIRED or not subaccount.invitation_nonce:
        return  # answered or cancelled before the mail went out
    context = {
        "subaccount": subaccount,
        "url": invitation_url(subaccount),
        "days": settings.SUBACCOUNT_INVITATION_MAX_AGE // 86400,
    }
    mail.send("subaccounts/email/invitation", context, [subaccount.customer_email], language=language)


@shared_task(scope_from="subaccounts.Subaccount", **mail.RETRY)
def notify_partner_of_answer(subaccount_id: int) -> None:

    subaccount = Subaccount.objects.select_related("account", "partner", "created_by").get(pk=subaccount_id)
    context = {"subaccount": subaccount, "accepted": subaccount.status == Subaccount.Status.ACTIVE}
    mail.send_each(
        "subaccounts/email/answered",
        context,
        partner_notification_recipients(subaccount.partner_id, also=subaccount.created_by),
    )
