"""The notifications centre: what the portal tells a partner's members about the partner's objects, kept in
the portal (the bell in the header, the notifications page) and also sent by email to each member who has
not turned that kind's email off (``UserPreferences.email_off``; by default every kind comes by email, as
the emails always did).

A section's task names the event and who hears of it (``members_to_notify``) and calls ``notify`` — the one
way a partner's member is told anything. A notification keeps its kind and parameters, not a sentence:
``text`` writes it when it is shown, in the reader's language of the day."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from portal import mail
from portal.money import amount_text
from portal.permissions import Role

from .models import Membership, Notification, UserPreferences

K = Notification.Kind
UNREAD_SHOWN = 99  # the bell counts this far ("99+"): the count stays one short indexed query

# (kind, the params' "status" or "") → the sentence; a kind without its status falls back to (kind, "")
TEXTS = {
    (K.SUBACCOUNT_ANSWERED, "accepted"): _("%(customer)s accepted the subaccount “%(name)s”"),
    (K.SUBACCOUNT_ANSWERED, "declined"): _("%(customer)s declined the subaccount “%(name)s”"),
    (K.REGISTRATION_STATUS, "submitted"): _("Registration for %(customer)s is under review"),
    (K.REGISTRATION_STATUS, "approved"): _("Registration for %(customer)s approved"),
    (K.REGISTRATION_STATUS, "rejected"): _("Registration for %(customer)s rejected"),
    (K.REGISTRATION_STATUS, "withdrawn"): _("Registration for %(customer)s withdrawn"),
    (K.REGISTRATION_STATUS, "expired"): _("Registration for %(customer)s expired"),
    (K.REGISTRATION_STATUS, ""): _("Registration for %(customer)s changed"),
    (K.REGISTRATION_EXPIRING, ""): _("Registration for %(customer)s expires on %(date)s"),
    (K.PRESALE_STATUS, "in_progress"): _("Presale request for %(customer)s taken into work"),
    (K.PRESALE_STATUS, "answered"): _("Presale request for %(customer)s answered"),
    (K.PRESALE_STATUS, "declined"): _("Presale request for %(customer)s declined"),
    (K.PRESALE_STATUS, ""): _("Presale request for %(customer)s changed"),
    (K.COMMENT, ""): _("New comment from the provider: %(customer)s"),
    (K.WITHDRAWAL, "paid"): _("Withdrawal of %(amount)s paid"),
    (K.WITHDRAWAL, "rejected"): _("Withdrawal of %(amount)s rejected"),
    (K.REPORT_READY, "statement"): _("Monthly statement for %(subject)s is ready"),
    (K.REPORT_READY, "commission"): _("Commission report for %(subject)s is ready"),
}


def text(notification: Notification) -> str:
    """The notification's sentence in the active language; its kind's name when its words are unknown."""
    params = notification.params or {}
    words = TEXTS.get((notification.kind, params.get("status", ""))) or TEXTS.get((notification.kind, ""))
    values = dict(params)
    try:
        if "date" in params:
            values["date"] = date_format(datetime.date.fromisoformat(params["date"]), "DATE_FORMAT")
        if "amount" in params:
            values["amount"] = amount_text(Decimal(params["amount"]), params.get("currency", ""))
        return str(words) % values if words else notification.get_kind_display()
    except (KeyError, ValueError, TypeError, ArithmeticError):
        return notification.get_kind_display()


# Who hears ------------------------------------------------------------------------------------------------


def members_to_notify(
    *,
    partner_id: int,
    also: Iterable = (),
    account_id: int | None = None,
    partner_wide: bool = False,
    roles: Sequence[str] = (Role.ADMINISTRATOR,),
) -> list[Membership]:
    """The partner's current members with one of ``roles`` (its Administrators, as the emails always went),
    plus the users in ``also`` (the author, the requester) while they are still members. A member
    restricted to some customers hears of an object of customer ``account_id`` only when they may see that
    customer, and of partner-wide money (``partner_wide``) never. A removed member hears nothing."""
    authors = [user.pk for user in also if user is not None]
    members = list(
        Membership.objects.filter(partner_id=partner_id, removed_at__isnull=True)
        .filter(Q(role__in=list(roles)) | Q(user_id__in=authors))
        .select_related("user")
        .order_by("pk")
    )
    visible = []
    for membership in members:
        if membership.restricted and (
            partner_wide or account_id is None or account_id not in membership.allowed_account_ids
        ):
            continue
        visible.append(membership)
    return visible


# The service ----------------------------------------------------------------------------------------------


def notify(
    *,
    partner_id: int,
    kind: str,
    key: str,
    link: str,
    members: Iterable[Membership],
    params: dict | None = None,
    account_id: int | None = None,
    email: tuple[str, dict] | None = None,
) -> int:
    """Record the event ``key`` for each of ``members`` — once: a rerun (a task's retry) finds it recorded
    — then send ``email`` (a ``portal.mail`` template and its context) to those of them who want this
    kind by email and have not had it yet, one message per language, each in its readers' own. Idempotent;
    returns how many messages went out."""
    members = list(members)
    Notification.objects.bulk_create(
        [
            Notification(
                partner_id=partner_id,
                user_id=m.user_id,
                account_id=account_id,
                kind=kind,
                key=key,
                path=link,
                params=params or {},
            )
            for m in members
        ],
        ignore_conflicts=True,
    )
    if email is None or not members:
        return 0
    pending = Notification.objects.filter(
        partner_id=partner_id, key=key, user_id__in=[m.user_id for m in members], emailed_at__isnull=True
    ).values_list("pk", "user__email", "user__preferences__language", "user__preferences__email_off")
    by_language: dict[str | None, list[tuple[int, str]]] = {}
    for pk, address, language, email_off in pending:
        if address and kind not in (email_off or []):
            by_language.setdefault(language or None, []).append((pk, address))
    template, context = email
    sent = 0
    for language, rows in sorted(by_language.items(), key=lambda item: item[0] or ""):
        if mail.send(template, context, sorted(address for _pk, address in rows), language=language):
            sent += 1
        # marked per message: a retry after a mail server went away sends only what did not go out
        Notification.objects.filter(pk__in=[pk for pk, _address in rows]).update(emailed_at=timezone.now())
    return sent


def mark_read(notification: Notification) -> None:
    """The member opened it (the first time counts; opening it again changes nothing)."""
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def mark_all_read(membership: Membership) -> int:
    """Every unread notification of the member in this partner, read now; returns how many."""
    return Notification.objects.restrict(membership).unread().update(read_at=timezone.now())


def email_choices_save(*, user, by_email: Iterable[str]) -> UserPreferences:
    """Which kinds also come by email; every other kind is shown in the portal only."""
    wanted = set(by_email)
    email_off = [kind for kind in K.values if kind not in wanted]
    preferences, _created = UserPreferences.objects.update_or_create(
        user=user, defaults={"email_off": email_off}
    )
    return preferences


def email_choices(user) -> list[str]:
    """The kinds that come to ``user`` by email too (all of them until the user chooses)."""
    off = UserPreferences.objects.filter(user=user).values_list("email_off", flat=True).first() or []
    return [kind for kind in K.values if kind not in off]


# The bell -------------------------------------------------------------------------------------------------


def unread_count(request) -> int:
    """The current member's unread notifications in the current partner (counted to ``UNREAD_SHOWN`` + 1),
    read once per request whatever asks."""
    if not hasattr(request, "_unread_notifications"):
        membership = getattr(request, "membership", None)
        request._unread_notifications = (
            Notification.objects.restrict(membership).unread()[: UNREAD_SHOWN + 1].count()
            if membership
            else 0
        )
    return request._unread_notifications


class Bell:
    """The header's bell for one request: the count is read the first time a template asks for it."""

    def __init__(self, request):
        self.request = request

    @cached_property
    def count(self) -> int:
        return unread_count(self.request)

    @property
    def shown(self) -> str:
        return f"{UNREAD_SHOWN}+" if self.count > UNREAD_SHOWN else str(self.count)


def notifications_context(request) -> dict:
    return {"bell": Bell(request)}
