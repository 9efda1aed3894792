"""One way to change a status: a state machine per model, written as its table of transitions.

``StateMachine.apply`` locks the row, refuses what the table does not allow (and a missing reason where one
is required), sets the status and any other fields the transition carries, and records it — the model's
event, the audit trail, the email queued — all in one transaction. A model's machine says only what is its
own: its transitions, its messages and what it records (``record``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    reason_required: bool = False
    by_provider: bool = False  # made by the provider's staff (in the admin), never by the partner


class StateMachine:
    """Subclasses set ``model``, ``forbidden`` (a message with %(action)s and %(status)s) and ``record``."""

    model: type[models.Model]
    forbidden = _("“%(action)s” is not possible when the status is %(status)s.")
    reason_missing = _("Please give a reason.")

    def __init__(self, *transitions: Transition):
        self.transitions = {t.name: t for t in transitions}

    def __getitem__(self, name: str) -> Transition:
        return self.transitions[name]

    def allowed(self, obj, *, by_provider: bool = False) -> list[Transition]:
        """The transitions open to ``obj`` now (the provider's too when ``by_provider``)."""
        return [
            t
            for t in self.transitions.values()
            if obj.status in t.sources and (by_provider or not t.by_provider)
        ]

    def leading(self, source: str, target: str) -> Transition | None:
        """The transition from ``source`` to ``target``, if the table has one."""
        return next(
            (t for t in self.transitions.values() if source in t.sources and t.target == target), None
        )

    @transaction.atomic
    def apply(self, obj, transition: Transition, *, actor=None, reason: str = "", **changes):
        """Apply ``transition`` (and the field ``changes`` it brings) to ``obj``, or raise a ValidationError
        saying why not; ``obj`` is updated in place and returned."""
        locked = self.model._base_manager.select_for_update().get(pk=obj.pk)
        if locked.status not in transition.sources:
            raise ValidationError(
                self.forbidden,
                code="forbidden_transition",
                params={"action": transition.label, "status": locked.get_status_display()},
            )
        reason = reason.strip()
        if transition.reason_required and not reason:
            raise ValidationError({"reason": self.reason_missing}, code="reason_required")
        source = locked.status
        locked.status = transition.target
        for name, value in changes.items():
            setattr(locked, name, value)
        self.prepare(locked, transition, reason)
        locked.save()
        self.record(locked, source, transition, actor=actor, reason=reason)
        obj.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
        return obj

    def prepare(self, locked, transition: Transition, reason: str) -> None:
        """Set the fields a transition implies (a timestamp, the reason) before the row is saved."""

    def record(self, locked, source: str, transition: Transition, *, actor, reason: str) -> None:
        raise NotImplementedError
