"""What the referral program writes: links (created, deactivated, sent by email), the public redirect's
counted clicks and the customers who sign up through a link.

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
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from access.audit import audit
from accounts.models import Account, AccountContact
from portal import locks, outbox
from tools.models import ProgramSettings

from .models import ReferralClick, ReferralInvitation, ReferralLink, ReferredCustomer
from .selectors import eligible, may_create_links
from .tasks import send_invitation

BOTS = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|headless|curl|wget|python-|java/|go-http|okhttp",
    re.I,
)
CLOSED = _(
    "The referral program is closed to new partners. Partners already in it keep their links and terms."
)


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
        outbox.enqueue(send_invitation, invitation.pk, language=translation.get_language())
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


INELIGIBLE = _(
    "This company already uses the cloud, so it cannot join through a referral link. Only new customers, "
    "or customers whose services have been stopped with no usage for more than 32 days, can."
)
ALREADY = _("This company has already joined through this partner.")
INACTIVE_LINK = _("This referral link is no longer active. Ask the partner for a current one.")


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
