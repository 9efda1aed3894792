"""Schemathesis against the live schema, through the WSGI app: every operation, with generated data, answers
no 5xx, and every answer (status, headers, body, content type) conforms to the schema."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django_scopes import scope
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application
from portal.permissions import Role
from tests.factories import AccountContactFactory, AccountFactory, SubaccountFactory


@pytest.fixture
def wsgi_in_test_transaction(db):
    """The WSGI app called directly keeps the test's connection (Django's test client does the same): at
    each request's start and end Django would close a connection that is inside a transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _served_schema() -> dict:
    """The schema /api/v1/schema/ serves (the same generator and renderer; its equality is tested below),
    made here at collection, when the database is still closed to tests."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_served_schema())
schema.app = application
schema.config.generation.update(modes=["positive"], max_examples=3)


def test_the_schema_tested_is_the_one_served(client, db):
    served = client.get("/api/v1/schema/?format=json")
    assert served.status_code == 200
    assert json.loads(served.content) == _served_schema()


@pytest.fixture
def bearer(partner, member, token_for):
    """A token of an Administrator, with a customer account, a contact and a subaccount to find."""
    account = AccountFactory(partner=partner)
    AccountContactFactory(account=account)
    SubaccountFactory(partner=partner, account=account)
    _token, secret = token_for(member(Role.ADMINISTRATOR))
    return {"Authorization": f"Bearer {secret}"}


negative = schemathesis.openapi.from_dict(_served_schema())
negative.app = application
negative.config.generation.update(modes=["negative"], max_examples=3)


@negative.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)  # the same cases each run
def test_api_refuses_what_its_schema_forbids(case, bearer, wsgi_in_test_transaction):
    # data the schema forbids (a wrong type, a missing field, a value out of range) answers a 4xx, never a 5xx
    # and never a success, and the answer still conforms to the schema
    with scope():
        case.call_and_validate(headers=bearer)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, bearer, wsgi_in_test_transaction):
    # every check but "schema-valid data is accepted": a generated id (an owner, a customer) is valid by the
    # schema's type yet rarely one of the partner's, and the filters refuse it with a 400, as the pages do
    with scope():  # partner scopes on, as in production: the API opens the token's
        case.call_and_validate(headers=bearer, excluded_checks=[positive_data_acceptance])
