"""Emails and the daily beat of Partner tools; tasks take ids and are safe to run twice."""

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from access.models import Notification
from access.notifications import members_to_notify, notify
from access.selectors import staff_recipients
from portal import mail
from portal.links import absolute_url

from .models import Comment, PresaleRequest, Registration


def _notify(obj, kind: str, key: str, params: dict, email: tuple[str, dict]) -> None:
    """The partner's Administrators and the object's author, each in the portal and by email as they chose;
    a member restricted to other customers does not hear of it."""
    notify(
        partner_id=obj.partner_id,
        kind=kind,
        key=key,
        link=obj.get_absolute_url(),
        members=members_to_notify(
            partner_id=obj.partner_id, also=[obj.created_by], account_id=obj.account_id
        ),
        params={"customer": obj.account.name, **params},
        account_id=obj.account_id,
        email=email,
    )


@shared_task(scope_from="tools.Registration", **mail.RETRY)
def notify_registration_status(registration_id: int) -> None:
    """Tell the partner about a status change. The text never names another partner."""

    registration = Registration.objects.select_related("account", "created_by").get(pk=registration_id)
    context = {
        "registration": registration,
        "url": absolute_url(registration.get_absolute_url()),
    }
    status = registration.status
    _notify(
        registration,
        Notification.Kind.REGISTRATION_STATUS,
        f"registration:{registration.pk}:{status}",
        {"status": status},
        ("tools/email/registration_status", context),
    )


@shared_task(scope_from="tools.Registration", **mail.RETRY)
def warn_registration_expiry(registration_id: int) -> None:

    registration = Registration.objects.select_related("account", "created_by").get(pk=registration_id)
    context = {
        "registration": registration,
        "url": absolute_url(registration.get_absolute_url()),
    }
    until = timezone.localdate(registration.expires_at) if registration.expires_at else None
    _notify(
        registration,
        Notification.Kind.REGISTRATION_EXPIRING,
        f"registration:{registration.pk}:expiring:{until}",
        {"date": until.isoformat()} if until else {},
        ("tools/email/registration_expiry", context),
    )


@shared_task(scope_from="tools.PresaleRequest", **mail.RETRY)
def notify_presale_status(presale_id: int) -> None:

    presale = PresaleRequest.objects.select_related("account", "created_by").get(pk=presale_id)
    context = {"presale": presale, "url": absolute_url(presale.get_absolute_url())}
    _notify(
        presale,
        Notification.Kind.PRESALE_STATUS,
        f"presale:{presale.pk}:{presale.status}",
        {"status": presale.status},
        ("tools/email/presale_status", context),
    )


@shared_task(scope_from="tools.Comment", **mail.RETRY)
def notify_comment(comment_id: int) -> None:

    comment = Comment.objects.select_related("registration", "presale").get(pk=comment_id)
    parent = comment.parent
    context = {
        "comment": comment,
        "parent": parent,
        "url": absolute_url(parent.get_absolute_url()),
    }
    _notify(parent, Notification.Kind.COMMENT, f"comment:{comment.pk}", {}, ("tools/email/comment", context))


@shared_task(cross_partner=True)  # every partner's registrations past their date
def expire_registrations() -> dict:
    from .services import registrations_expire

    return registrations_expire()


@shared_task(cross_partner=True)  # the provider's reviewers: every partner's
def report_overdue_reviews() -> int:
    """Tell portal administrators which presale requests and registrations are past their targets."""

    now = timezone.now()
    presales = list(
        PresaleRequest.objects.filter(
            Q(status=PresaleRequest.Status.SUBMITTED) | Q(status=PresaleRequest.Status.IN_PROGRESS),
            answer_due__lt=now,
        ).select_related("partner", "account")
    )
    reviews = list(
        Registration.objects.filter(status=Registration.Status.SUBMITTED, review_due__lt=now).select_related(
            "partner", "account"
        )
    )
    if presales or reviews:
        mail.send_each("tools/email/overdue", {"presales": presales, "reviews": reviews}, staff_recipients())
    return len(presales) + len(reviews)
