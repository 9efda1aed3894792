"""The state machines of Partner tools (portal/states.py): registrations and presale requests.

A registration moves by the partner (submit, withdraw) and by the provider (approve, reject, expire); a
presale request only by the provider, in the admin. Every change goes through its machine's ``apply``,
which locks the row, refuses what the table does not allow, writes the event and queues the email to the
partner, all in one transaction.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import outbox
from portal.states import StateMachine, Transition

from . import tasks
from .models import PresaleRequest, Registration, RegistrationEvent

S = Registration.Status

SUBMIT = Transition("submit", _("Submit for review"), frozenset({S.DRAFT}), S.SUBMITTED)
WITHDRAW = Transition("withdraw", _("Withdraw"), frozenset({S.DRAFT, S.SUBMITTED}), S.WITHDRAWN)
APPROVE = Transition("approve", _("Approve"), frozenset({S.SUBMITTED}), S.APPROVED, by_provider=True)
REJECT = Transition(
    "reject", _("Reject"), frozenset({S.SUBMITTED}), S.REJECTED, by_provider=True, reason_required=True
)
EXPIRE = Transition("expire", _("Expire"), frozenset({S.APPROVED}), S.EXPIRED, by_provider=True)


class RegistrationMachine(StateMachine):
    model = Registration
    forbidden = _("“%(action)s” is not possible for a registration that is %(status)s.")
    reason_missing = _("Please give the partner a reason.")

    def prepare(self, locked, transition, reason):
        if transition.by_provider and transition is not EXPIRE:
            locked.decided_at = timezone.now()
        if transition is REJECT:
            locked.reason = reason

    def record(self, locked, source, transition, *, actor, reason):

        RegistrationEvent.objects.create(
            registration=locked, actor=actor, from_status=source, to_status=transition.target, note=reason
        )
        outbox.enqueue(tasks.notify_registration_status, locked.pk)


MACHINE = RegistrationMachine(SUBMIT, WITHDRAW, APPROVE, REJECT, EXPIRE)
STEPS = MACHINE.transitions
transition = MACHINE.apply

P = PresaleRequest.Status
OPEN = frozenset({P.SUBMITTED, P.IN_PROGRESS})


class PresaleMachine(StateMachine):
    model = PresaleRequest
    forbidden = _("“%(action)s” is not possible for a presale request that is %(status)s.")

    def record(self, locked, source, transition, *, actor, reason):

        outbox.enqueue(tasks.notify_presale_status, locked.pk)  # the partner hears of every change


PRESALE = PresaleMachine(
    Transition("take", _("Take into work"), frozenset({P.SUBMITTED}), P.IN_PROGRESS, by_provider=True),
    Transition("answer", _("Mark answered"), OPEN, P.ANSWERED, by_provider=True),
    Transition("decline", _("Decline"), OPEN, P.DECLINED, by_provider=True),
)
