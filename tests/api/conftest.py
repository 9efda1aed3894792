import datetime

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scope

from access import services
from access.models import ApiToken

EVERYTHING = {section: ApiToken.Level.WRITE for section in ApiToken.Section.values}


@pytest.fixture
def token_for():
    """``token_for(membership, scopes=…)`` -> (ApiToken, the secret shown once)."""

    def make(membership, scopes=None, days=30, name="ERP"):
        return services.api_token_create(
            membership=membership,
            actor=membership.user,
            name=name,
            scopes=EVERYTHING if scopes is None else scopes,
            expires_at=timezone.now() + datetime.timedelta(days=days),
        )

    return make


class ApiClient(Client):
    """A test client that sends the bearer token and JSON bodies, each request with partner scopes on, as in
    production: no scope is open until the API itself opens the token's (the tests' own reads and writes run
    with scopes disabled, tests/conftest.py)."""

    def __init__(self, secret, **kwargs):
        super().__init__(HTTP_AUTHORIZATION=f"Bearer {secret}", **kwargs)

    def request(self, **request):
        with scope():
            return super().request(**request)

    def post(self, path, data=None, **kwargs):
        kwargs.setdefault("content_type", "application/json")
        return super().post(path, data or {}, **kwargs)

    def patch(self, path, data=None, **kwargs):
        kwargs.setdefault("content_type", "application/json")
        return super().patch(path, data or {}, **kwargs)

    def put(self, path, data=None, **kwargs):
        kwargs.setdefault("content_type", "application/json")
        return super().put(path, data or {}, **kwargs)


@pytest.fixture
def api_for(token_for):
    """``api_for(membership, scopes=…)`` -> a client whose requests carry a fresh token of the membership."""

    def make(membership, **kwargs):
        _token, secret = token_for(membership, **kwargs)
        return ApiClient(secret)

    return make
