"""Emails of the Subaccounts section; each task takes an id, reloads, and is safe to retry."""

from celery import shared_task
from django.conf import settings

from access.models import Notification
from access.notifications import members_to_notify, notify
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
    """The customer answered: the partner's Administrators and the subaccount's creator hear of it."""

    subaccount = Subaccount.objects.select_related("account", "partner", "created_by").get(pk=subaccount_id)
    accepted = subaccount.status == Subaccount.Status.ACTIVE
    answer = "accepted" if accepted else "declined"
    notify(
        partner_id=subaccount.partner_id,
        kind=Notification.Kind.SUBACCOUNT_ANSWERED,
        key=f"subaccount:{subaccount.pk}:{answer}",
        link=subaccount.get_absolute_url(),
        members=members_to_notify(
            partner_id=subaccount.partner_id, also=[subaccount.created_by], account_id=subaccount.account_id
        ),
        params={"status": answer, "customer": subaccount.account.name, "name": subaccount.name},
        account_id=subaccount.account_id,
        email=("subaccounts/email/answered", {"subaccount": subaccount, "accepted": accepted}),
    )
