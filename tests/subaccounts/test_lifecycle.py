"""The state machine: every action from every status, allowed or refused, and the event it writes."""

import pytest
from django.core.exceptions import ValidationError

from subaccounts import lifecycle
from subaccounts.models import Subaccount, SubaccountEvent
from tests.factories import SubaccountFactory, UserFactory

pytestmark = pytest.mark.django_db
S = Subaccount.Status

# DESIGN.md's lifecycle written out: (action, from) -> to; every pair not listed is refused.
ALLOWED = {
    ("accept", S.ACCEPTANCE_REQUIRED): S.ACTIVE,
    ("decline", S.ACCEPTANCE_REQUIRED): S.INACTIVE,
    ("cancel", S.ACCEPTANCE_REQUIRED): S.INACTIVE,
    ("suspend", S.ACTIVE): S.SUSPENDED,
    ("resume", S.SUSPENDED): S.ACTIVE,
    ("deactivate", S.ACTIVE): S.INACTIVE,
    ("deactivate", S.SUSPENDED): S.INACTIVE,
}
CASES = [(action, status) for action in lifecycle.ACTIONS for status in S.values]


@pytest.mark.parametrize(("action", "status"), CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
def test_every_action_from_every_status(action, status):
    sub = SubaccountFactory(status=status)
    actor = UserFactory()
    if (action, status) in ALLOWED:
        lifecycle.transition(sub, lifecycle.ACTIONS[action], actor=actor, reason="because")
        sub.refresh_from_db()
        assert sub.status == ALLOWED[(action, status)]
        event = SubaccountEvent.objects.get(subaccount=sub)
        assert (event.actor, event.from_status, event.to_status, event.reason) == (
            actor,
            status,
            ALLOWED[(action, status)],
            "because",
        )
    else:
        with pytest.raises(ValidationError, match="is not possible for a subaccount that is"):
            lifecycle.transition(sub, lifecycle.ACTIONS[action], actor=actor, reason="because")
        sub.refresh_from_db()
        assert sub.status == status
        assert not SubaccountEvent.objects.filter(subaccount=sub).exists()


def test_inactive_is_terminal():
    assert not lifecycle.allowed_actions(SubaccountFactory(status=S.INACTIVE))


def test_stopping_services_needs_a_reason():
    sub = SubaccountFactory(status=S.ACTIVE)
    with pytest.raises(ValidationError) as error:
        lifecycle.transition(sub, lifecycle.SUSPEND, reason="  ")
    assert error.value.message_dict == {"reason": ["Please give a reason."]}
    sub.refresh_from_db()
    assert sub.status == S.ACTIVE
