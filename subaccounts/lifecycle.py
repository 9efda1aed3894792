"""The state machine of a subaccount (portal/states.py): which action leads from which statuses to which.

Every change goes through ``MACHINE.apply`` (``transition``), which locks the row, refuses what the table
does not allow and writes the event (who, when, from, to, why) and the audit entry in the same transaction.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.audit import audit
from portal.states import StateMachine, Transition

from .models import Subaccount, SubaccountEvent

S = Subaccount.Status

ACCEPT = Transition("accept", _("Accept"), frozenset({S.ACCEPTANCE_REQUIRED}), S.ACTIVE)
DECLINE = Transition("decline", _("Decline"), frozenset({S.ACCEPTANCE_REQUIRED}), S.INACTIVE)
CANCEL = Transition("cancel", _("Cancel invitation"), frozenset({S.ACCEPTANCE_REQUIRED}), S.INACTIVE)
SUSPEND = Transition("suspend", _("Stop services"), frozenset({S.ACTIVE}), S.SUSPENDED, reason_required=True)
RESUME = Transition("resume", _("Resume services"), frozenset({S.SUSPENDED}), S.ACTIVE)
DEACTIVATE = Transition("deactivate", _("Deactivate"), frozenset({S.ACTIVE, S.SUSPENDED}), S.INACTIVE)


class SubaccountMachine(StateMachine):
    model = Subaccount
    forbidden = _("“%(action)s” is not possible for a subaccount that is %(status)s.")

    def prepare(self, locked, transition, reason):
        locked.status_changed_at = timezone.now()

    def record(self, locked, source, transition, *, actor, reason):
        SubaccountEvent.objects.create(
            subaccount=locked, actor=actor, from_status=source, to_status=transition.target, reason=reason
        )
        audit(
            partner_id=locked.partner_id,
            actor=actor,
            action="subaccount.status",
            target=locked.name,
            details={"from": source, "to": transition.target, "reason": reason},
        )


MACHINE = SubaccountMachine(ACCEPT, DECLINE, CANCEL, SUSPEND, RESUME, DEACTIVATE)
ACTIONS = MACHINE.transitions
transition = MACHINE.apply
allowed_actions = MACHINE.allowed
