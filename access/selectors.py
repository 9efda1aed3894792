from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet

from portal.permissions import Role

from .models import Membership


def partner_notification_emails(partner_id: int, also=None) -> list[str]:
    """Who hears about a partner's business: its current Administrators, plus ``also`` (e.g. the author)."""
    emails = set(
        Membership.objects.filter(
            partner_id=partner_id, role=Role.ADMINISTRATOR, removed_at__isnull=True
        ).values_list("user__email", flat=True)
    )
    if also is not None:
        emails.add(also.email)
    return sorted(emails)


def members_for_list() -> QuerySet[Membership]:
    """Memberships with their user and whether the user has set up two-factor authentication."""
    totp = Authenticator.objects.filter(user=OuterRef("user"), type=Authenticator.Type.TOTP)
    return Membership.objects.select_related("user").annotate(two_factor=Exists(totp))


def user_exists(email: str) -> bool:
    """Whether someone already signed up with this address (any case): an invitee logs in rather than
    setting a password."""
    return get_user_model().objects.filter(email__iexact=email).exists()
