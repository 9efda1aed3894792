from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.permissions import Role

from .models import AuditEvent, Membership


@transaction.atomic
def membership_update(*, membership: Membership, actor, role: str, restricted: bool) -> Membership:
    """Change a user's role or scope and record it in the audit trail (atomic)."""
    if membership.role == Role.ADMINISTRATOR and role != Role.ADMINISTRATOR:
        others = Membership.objects.filter(partner_id=membership.partner_id, role=Role.ADMINISTRATOR)
        if not others.exclude(pk=membership.pk).select_for_update().exists():
            raise ValidationError({"role": _("A partner needs at least one Administrator.")})
    before = {"role": membership.role, "restricted": membership.restricted}
    membership.role = role
    membership.restricted = restricted
    membership.full_clean()
    membership.save(update_fields=["role", "restricted"])
    AuditEvent.objects.create(
        partner_id=membership.partner_id,
        actor=actor,
        action="membership.update",
        target=membership.user.email,
        details={"before": before, "after": {"role": role, "restricted": restricted}},
    )
    return membership
