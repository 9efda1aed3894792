"""The referral program's links and clicks: who may create links, and the public redirect's counting.

A click is counted once per visitor and link within the admin-set window; bots and browser prefetches are
not counted; no address or browser string is stored (``ReferralClick.visitor`` is a keyed hash of them
that changes every day).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, DateField, DecimalField, F, Func, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.audit import audit
from accounts.models import Account, AccountContact
from portal import locks, outbox
from portal.periods import WINDOW_MONTHS
from subaccounts.models import Subaccount
from tools.models import ProgramSettings

from .models import (
    Accrual,
    Consumption,
    CustomerInvoice,
    Program,
    ReferralClick,
    ReferralInvitation,
    ReferralLink,
    ReferredCustomer,
)
from .tasks import send_referral_invitation

BOTS = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|headless|curl|wget|python-|java/|go-http|okhttp",
    re.I,
)
COOKIE = "portal_referral"
CLOSED = _(
    "The referral program is closed to new partners. Partners already in it keep their links and terms."
)


def program_open() -> bool:

    return ProgramSettings.current().referral_enrollment_open


def in_program(partner) -> bool:
    """A referral partner, or one that already has links, is in the program whatever the enrollment says."""
    return partner.partner_type == partner.Type.REFERRAL or partner.referral_links.exists()


def may_create_links(partner) -> bool:
    return in_program(partner) or program_open()


def landing_allowed(url: str) -> bool:
    """Only the provider's own sites: a referral link must never become an open redirect."""
    parts = urlsplit(url)
    return parts.scheme == "https" and (parts.hostname or "") in settings.REFERRAL_LANDING_HOSTS


@transaction.atomic
def link_create(*, partner, name: str, landing_url: str, actor) -> ReferralLink:
    if not may_create_links(partner):
        raise ValidationError(CLOSED)
    if landing_url and not landing_allowed(landing_url):
        raise ValidationError(
            {
                "landing_url": _("Use a page of %(hosts)s.")
                % {"hosts": ", ".join(settings.REFERRAL_LANDING_HOSTS)}
            }
        )
    link = ReferralLink.objects.create(
        partner=partner,
        code=secrets.token_urlsafe(6).replace("_", "x").replace("-", "y").lower(),
        name=name,
        landing_url=landing_url,
        created_by=actor,
    )
    audit(partner_id=partner.pk, actor=actor, action="referral.link_created", target=link.public_url)
    return link


@transaction.atomic
def link_deactivate(*, link: ReferralLink, actor) -> ReferralLink:
    """The link stops counting and attributing; visitors still reach the landing page. Customers it brought
    stay attributed."""
    if link.deactivated_at is None:
        link.deactivated_at = timezone.now()
        link.save(update_fields=["deactivated_at"])
        audit(
            partner_id=link.partner_id,
            actor=actor,
            action="referral.link_deactivated",
            target=link.public_url,
        )
    return link


INVITATIONS_PER_DAY = 100
INVITE_AT_ONCE = 20


@transaction.atomic
def link_invite(*, link: ReferralLink, emails: list[str], message: str, actor) -> int:
    """Email the link to each address (a Celery task each, after the commit); at most ``INVITATIONS_PER_DAY``
    per partner in 24 hours. Returns how many were sent."""

    if not link.is_active:
        raise ValidationError(INACTIVE_LINK)
    locks.hold(f"referral-invite:{link.partner_id}")  # two senders at once still respect the limit
    since = timezone.now() - datetime.timedelta(days=1)
    sent = ReferralInvitation.objects.filter(link__partner_id=link.partner_id, created_at__gte=since).count()
    if sent + len(emails) > INVITATIONS_PER_DAY:
        raise ValidationError(
            _("You can send %(left)d more invitations today (%(limit)d a day).")
            % {"left": max(INVITATIONS_PER_DAY - sent, 0), "limit": INVITATIONS_PER_DAY}
        )
    invitations = ReferralInvitation.objects.bulk_create(
        ReferralInvitation(link=link, email=email, message=message, sent_by=actor) for email in emails
    )
    for invitation in invitations:
        outbox.enqueue(send_referral_invitation, invitation.pk)
    audit(
        partner_id=link.partner_id,
        actor=actor,
        action="referral.link_sent",
        target=link.public_url,
        details={"recipients": len(emails)},
    )
    return len(invitations)


def visitor_key(*, ip: str, user_agent: str, day: datetime.date) -> str:
    key = (settings.SECRET_KEY + ":referral-visitor").encode()
    return hmac.new(key, f"{day.isoformat()}|{ip}|{user_agent}".encode(), hashlib.sha256).hexdigest()[:32]


def is_bot(*, user_agent: str, headers) -> bool:
    if not user_agent.strip() or BOTS.search(user_agent):
        return True
    purpose = (headers.get("Sec-Purpose") or headers.get("Purpose") or "").lower()
    return "prefetch" in purpose or "prerender" in purpose


@transaction.atomic
def click_record(*, link: ReferralLink, ip: str, user_agent: str, headers) -> bool:
    """Count the click unless it is a bot's, a prefetch, or the same visitor's again within the window."""

    if not link.is_active or is_bot(user_agent=user_agent, headers=headers):
        return False
    now = timezone.now()
    visitor = visitor_key(ip=ip, user_agent=user_agent, day=timezone.localdate(now))
    locks.hold(f"referral:{link.pk}:{visitor}")  # two tabs opening the link at once still count once
    window = datetime.timedelta(minutes=ProgramSettings.current().referral_click_window_minutes)
    if ReferralClick.objects.filter(link=link, visitor=visitor, created_at__gte=now - window).exists():
        return False
    ReferralClick.objects.create(link=link, visitor=visitor)
    return True


def _count(queryset, **outer) -> Coalesce:
    counted = queryset.filter(**outer).order_by().values(*outer).annotate(n=Count("pk", distinct=True))
    return Coalesce(Subquery(counted.values("n")), 0)


def with_figures(links):
    """Per link: counted clicks, sign-ups, customers with an active subaccount, commission accrued so far.
    One query for the page whatever the number of links (a correlated subquery each)."""

    commission = (
        Accrual.objects.filter(program=Program.REFERRAL, subaccount__account__referral__link=OuterRef("pk"))
        .order_by()
        .values("subaccount__account__referral__link")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return links.annotate(
        click_count=_count(ReferralClick.objects.all(), link=OuterRef("pk")),
        signups=_count(ReferredCustomer.objects.all(), link=OuterRef("pk")),
        active_customers=_count(
            ReferredCustomer.objects.filter(account__subaccounts__status=Subaccount.Status.ACTIVE),
            link=OuterRef("pk"),
        ),
        commission=Coalesce(Subquery(commission), Value(Decimal("0.00")), output_field=DecimalField()),
    )


NO_USAGE_DAYS = 32
INELIGIBLE = _(
    "This company already uses the cloud, so it cannot join through a referral link. Only new customers, "
    "or customers whose services have been stopped with no usage for more than 32 days, can."
)
ALREADY = _("This company has already joined through this partner.")
INACTIVE_LINK = _("This referral link is no longer active. Ask the partner for a current one.")


def eligible(tax_id: str) -> bool:
    """New to the cloud (no billing account anywhere), or every billing account stopped with no usage for
    more than 32 days."""

    subaccounts = Subaccount.objects.filter(account__tax_id=tax_id)
    if not subaccounts.exists():
        return True
    if subaccounts.exclude(status__in=(Subaccount.Status.SUSPENDED, Subaccount.Status.INACTIVE)).exists():
        return False
    since = timezone.localdate() - datetime.timedelta(days=NO_USAGE_DAYS)
    return not Consumption.objects.filter(subaccount__in=subaccounts, date__gte=since).exists()


@transaction.atomic
def signup(
    *,
    link: ReferralLink,
    name: str,
    country: str,
    tax_id: str,
    contact_name: str,
    email: str,
    signed_up_at: datetime.date | None = None,
    consent_at: datetime.datetime | None = None,
):
    """The customer, having consented, becomes an account of the link's partner marked as referred (the
    public form signs up now; billing's file says when the customer signed up and consented)."""

    if not link.is_active:
        raise ValidationError(INACTIVE_LINK)
    if not eligible(tax_id):
        raise ValidationError(INELIGIBLE)
    account, _created = Account.objects.get_or_create(
        partner=link.partner,
        tax_id=tax_id,
        defaults={"name": name, "country": country, "stage": Account.Stage.CUSTOMER},
    )
    if ReferredCustomer.objects.filter(account=account).exists():
        raise ValidationError(ALREADY)
    AccountContact.objects.create(account=account, name=contact_name, email=email)
    customer = ReferredCustomer.objects.create(
        link=link,
        account=account,
        signed_up_at=signed_up_at or timezone.localdate(),
        consent_at=consent_at or timezone.now(),
    )
    audit(
        partner_id=link.partner_id, actor=None, action="referral.signup", target=f"{account} via {link.code}"
    )
    return customer


def link_from_cookie(request) -> ReferralLink | None:
    """The active link the visitor came through (the signed cookie /r/<code> set), if any."""
    code = request.get_signed_cookie(COOKIE, default=None, salt=COOKIE)
    if not code:
        return None
    return ReferralLink.objects.select_related("partner").filter(code=code, deactivated_at=None).first()


@dataclass
class MonthFigures:
    month: datetime.date
    clicks: int
    signups: int
    commission: Decimal

    @property
    def conversion(self) -> Decimal | None:
        """Sign-ups per 100 counted clicks of the month (None without clicks)."""
        if not self.clicks:
            return None
        return (Decimal(self.signups) * 100 / self.clicks).quantize(Decimal("0.1"))


def monthly_statistics(*, partner_id: int, months) -> list[MonthFigures]:
    """Clicks, sign-ups, conversion and commission per month: three grouped queries."""

    index = {m: MonthFigures(m, 0, 0, Decimal("0.00")) for m in months.months}
    start = timezone.make_aware(datetime.datetime.combine(months.first, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(months.end, datetime.time.min))
    clicks = (
        ReferralClick.objects.filter(link__partner_id=partner_id, created_at__gte=start, created_at__lt=end)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
    )
    for row in clicks:
        index[row["month"].date()].clicks = row["n"]
    signups = (
        ReferredCustomer.objects.filter(
            link__partner_id=partner_id, signed_up_at__gte=months.first, signed_up_at__lt=months.end
        )
        .annotate(month=TruncMonth("signed_up_at"))
        .values("month")
        .annotate(n=Count("pk"))
    )
    for row in signups:
        index[row["month"]].signups = row["n"]
    commission = (
        Accrual.objects.filter(
            partner_id=partner_id, program=Program.REFERRAL, period__gte=months.first, period__lt=months.end
        )
        .values("period")
        .annotate(total=Sum("amount"))
    )
    for row in commission:
        index[row["period"]].commission = row["total"]
    return list(index.values())


class MonthStart(Func):
    """The first day of the month ``months`` after the expression's month (``months=0``: its own)."""

    template = "(date_trunc('month', %(expressions)s) + interval '%(months)d months')::date"
    output_field = DateField()

    def __init__(self, expression, *, months: int = 0):
        super().__init__(expression, months=int(months))


def with_commission(customers):
    """Each referred customer with the commission accrued on it so far and the months of its commission
    window whose invoices are not paid in full yet (commission waits for them): two correlated subqueries."""

    unpaid = (
        CustomerInvoice.objects.filter(
            subaccount__account=OuterRef("account"),
            paid_amount__lt=F("amount"),
            # the commission's window, the sign-up month first
            month__gte=MonthStart(OuterRef("signed_up_at")),
            month__lt=MonthStart(OuterRef("signed_up_at"), months=WINDOW_MONTHS),
        )
        .order_by()
        .values("subaccount__account")
        .annotate(n=Count("month", distinct=True))
        .values("n")
    )

    total = (
        Accrual.objects.filter(program=Program.REFERRAL, subaccount__account=OuterRef("account"))
        .order_by()
        .values("subaccount__account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return customers.annotate(
        commission=Coalesce(Subquery(total), Value(Decimal("0.00")), output_field=DecimalField()),
        awaiting_payment=Coalesce(Subquery(unpaid), 0),
    )
