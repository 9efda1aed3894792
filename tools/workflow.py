"""The one state machine of registrations: who may move a registration from which statuses to which.

``transition`` locks the row, refuses what the table does not allow, writes the event and queues the email
to the partner, all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import outbox

from .models import Registration, RegistrationEvent

S = Registration.Status


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    by_provider: bool = False
    reason_required: bool = False


SUBMIT = Step("submit", _("Submit for review"), frozenset({S.DRAFT}), S.SUBMITTED)
WITHDRAW = Step("withdraw", _("Withdraw"), frozenset({S.DRAFT, S.SUBMITTED}), S.WITHDRAWN)
APPROVE = Step("approve", _("Approve"), frozenset({S.SUBMITTED}), S.APPROVED, by_provider=True)
REJECT = Step(
    "reject", _("Reject"), frozenset({S.SUBMITTED}), S.REJECTED, by_provider=True, reason_required=True
)
EXPIRE = Step("expire", _("Expire"), frozenset({S.APPROVED}), S.EXPIRED, by_provider=True)

STEPS = {s.name: s for s in (SUBMIT, WITHDRAW, APPROVE, REJECT, EXPIRE)}


@transaction.atomic
def transition(
    registration: Registration, step: Step, *, actor=None, note: str = "", **changes
) -> Registration:
    """Apply ``step`` (with extra field ``changes``), or raise a ValidationError saying why not."""
    from . import tasks

    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.status not in step.sources:
        raise ValidationError(
            _("“%(step)s” is not possible for a registration that is %(status)s."),
            code="forbidden_transition",
            params={"step": step.label, "status": locked.get_status_display()},
        )
    if step.reason_required and not note.strip():
        raise ValidationError({"reason": _("Please give the partner a reason.")}, code="reason_required")
    source = locked.status
    locked.status = step.target
    for name, value in changes.items():
        setattr(locked, name, value)
    if step.by_provider and step is not EXPIRE:
        locked.decided_at = timezone.now()
    if step is REJECT:
        locked.reason = note.strip()
    locked.save()
    RegistrationEvent.objects.create(
        registration=locked, actor=actor, from_status=source, to_status=step.target, note=note.strip()
    )
    outbox.enqueue(tasks.notify_registration_status, locked.pk)
    registration.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return registration
