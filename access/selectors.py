from __future__ import annotations

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
