"""The one state machine of a subaccount: which action leads from which statuses to which status.

Every change goes through ``transition``, which locks the row, refuses what the table does not allow and
writes the event (who, when, from, to, why) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.audit import audit

from .models import Subaccount, SubaccountEvent

S = Subaccount.Status


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    reason_required: bool = False


ACCEPT = Action("accept", _("Accept"), frozenset({S.ACCEPTANCE_REQUIRED}), S.ACTIVE)
DECLINE = Action("decline", _("Decline"), frozenset({S.ACCEPTANCE_REQUIRED}), S.INACTIVE)
CANCEL = Action("cancel", _("Cancel invitation"), frozenset({S.ACCEPTANCE_REQUIRED}), S.INACTIVE)
SUSPEND = Action("suspend", _("Stop services"), frozenset({S.ACTIVE}), S.SUSPENDED, reason_required=True)
RESUME = Action("resume", _("Resume services"), frozenset({S.SUSPENDED}), S.ACTIVE)
DEACTIVATE = Action("deactivate", _("Deactivate"), frozenset({S.ACTIVE, S.SUSPENDED}), S.INACTIVE)

ACTIONS = {a.name: a for a in (ACCEPT, DECLINE, CANCEL, SUSPEND, RESUME, DEACTIVATE)}


def allowed_actions(subaccount: Subaccount) -> list[Action]:
    return [a for a in ACTIONS.values() if subaccount.status in a.sources]


@transaction.atomic
def transition(subaccount: Subaccount, action: Action, *, actor=None, reason: str = "") -> Subaccount:
    """Apply ``action`` to the subaccount, or raise a ValidationError saying why it is not allowed."""
    locked = Subaccount.objects.select_for_update().get(pk=subaccount.pk)
    if locked.status not in action.sources:
        raise ValidationError(
            _("“%(action)s” is not possible for a subaccount that is %(status)s."),
            code="forbidden_transition",
            params={"action": action.label, "status": locked.get_status_display()},
        )
    if action.reason_required and not reason.strip():
        raise ValidationError({"reason": _("Please give a reason.")}, code="reason_required")
    source = locked.status
    locked.status = action.target
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_changed_at"])
    SubaccountEvent.objects.create(
        subaccount=locked, actor=actor, from_status=source, to_status=action.target, reason=reason.strip()
    )
    audit(
        partner_id=locked.partner_id,
        actor=actor,
        action="subaccount.status",
        target=locked.name,
        details={"from": source, "to": action.target, "reason": reason.strip()},
    )
    subaccount.status, subaccount.status_changed_at = locked.status, locked.status_changed_at
    return subaccount
