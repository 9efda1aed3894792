"""A token stands for one membership: shown once, stored hashed, and it stops with its member."""

import datetime
import hashlib

import pytest
import time_machine
from django.utils import timezone

from access import services
from access.models import ApiToken, AuditEvent
from portal.permissions import Role
from tests.api.conftest import ApiClient
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/accounts/"


def test_the_secret_is_stored_only_as_its_hash(member, token_for):
    token, secret = token_for(member())
    token.refresh_from_db()
    assert secret.startswith(f"pp_{token.prefix}_") and len(secret) > 40
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()


def test_a_valid_token_reads_and_its_use_is_noted(partner, member, token_for):
    AccountFactory(partner=partner, name="Acme")
    token, secret = token_for(member())
    response = ApiClient(secret).get(ACCOUNTS)
    assert response.status_code == 200
    assert [a["name"] for a in response.json()["results"]] == ["Acme"]
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer pp_00000000_nothing", "Token abc", "Bearer a b"],
)
def test_no_or_a_wrong_token_is_401_as_a_problem(header, member):
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=header) if header else Client()
    response = client.get(ACCOUNTS)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_a_tampered_secret_is_refused(member, token_for):
    _token, secret = token_for(member())
    assert (
        ApiClient(secret[:-2] + ("AA" if not secret.endswith("AA") else "BB")).get(ACCOUNTS).status_code
        == 401
    )


def test_revoked_expired_and_removed_member_tokens_stop(member, token_for):
    admin = member()
    revoked, secret_r = token_for(member())
    services.api_token_revoke(token=revoked, actor=admin.user)
    assert ApiClient(secret_r).get(ACCOUNTS).status_code == 401

    _expiring, secret_e = token_for(member(), days=1)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        assert ApiClient(secret_e).get(ACCOUNTS).status_code == 401

    leaver = member(Role.EDITOR)
    _token, secret_l = token_for(leaver)
    assert ApiClient(secret_l).get(ACCOUNTS).status_code == 200
    services.membership_remove(membership=leaver, actor=admin.user)
    assert ApiClient(secret_l).get(ACCOUNTS).status_code == 401

    inactive = member(Role.EDITOR)
    _token, secret_i = token_for(inactive)
    inactive.user.is_active = False
    inactive.user.save()
    assert ApiClient(secret_i).get(ACCOUNTS).status_code == 401


def test_a_read_token_cannot_write(member, token_for):
    _token, secret = token_for(member(), scopes={"accounts": "read"})
    client = ApiClient(secret)
    assert client.get(ACCOUNTS).status_code == 200
    response = client.post(ACCOUNTS, {"name": "X", "tax_id": "7707083893", "country": "RU"})
    assert response.status_code == 403
    assert response.json()["detail"] == "This token may not change data in this section."


def test_a_token_without_the_section_cannot_read_it(member, token_for):
    _token, secret = token_for(member(), scopes={"finance": "read"})
    assert ApiClient(secret).get(ACCOUNTS).status_code == 403


def test_the_role_of_the_member_applies_and_follows_changes(member, token_for):
    admin = member()
    viewer = member(Role.VIEWER)
    _token, secret = token_for(viewer)  # a token with write scopes cannot exceed the member's role
    client = ApiClient(secret)
    body = {"name": "X", "tax_id": "7707083893", "country": "RU"}
    assert client.post(ACCOUNTS, body).status_code == 403
    services.membership_update(membership=viewer, actor=admin.user, role=Role.EDITOR, restricted=False)
    assert client.post(ACCOUNTS, body).status_code == 201


def test_create_and_revoke_are_in_the_audit_trail(partner, member, token_for):
    admin = member()
    token, _secret = token_for(admin, name="Billing sync")
    services.api_token_revoke(token=token, actor=admin.user)
    actions = list(AuditEvent.objects.filter(partner=partner).values_list("action", "target"))
    assert ("api_token.create", "Billing sync") in actions
    assert ("api_token.revoke", "Billing sync") in actions
