"""Schemathesis against the live schema, through the WSGI app: every operation, with generated data, answers
no 5xx, and every answer (status, headers, body, content type) conforms to the schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from config.wsgi import application
from portal.permissions import Role
from tests.factories import AccountContactFactory, AccountFactory, SubaccountFactory

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
schema.config.generation.update(modes=["positive"], max_examples=8)


@pytest.fixture
def bearer(partner, member, token_for):
    """A token of an Administrator, with a customer account, a contact and a subaccount to find."""
    account = AccountFactory(partner=partner)
    AccountContactFactory(account=account)
    SubaccountFactory(partner=partner, account=account)
    _token, secret = token_for(member(Role.ADMINISTRATOR))
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, bearer):
    case.call_and_validate(headers=bearer)
