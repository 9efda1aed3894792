"""Access management → API tokens: shown once, listed, revoked; each member their own, the administrator
every one."""

import pytest
from django.urls import reverse

from access.models import ApiToken
from portal.permissions import Role
from tests.api.conftest import ApiClient
from tests.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db


def test_a_member_makes_a_token_shown_once_that_works(member, client_for):
    editor = member(Role.EDITOR)
    client = client_for(editor)
    page = client.post(
        reverse("access:token_create"), {"name": "Billing sync", "accounts": "write", "days": "90"}
    )
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    secret = page.context["secret"]
    assert secret.encode() in page.content
    token = ApiToken.objects.get(name="Billing sync")
    assert token.membership == editor and token.scopes == {"accounts": "write"}
    assert secret.encode() not in client.get(reverse("access:tokens")).content  # never again
    assert ApiClient(secret).get("/api/v1/accounts/").status_code == 200


def test_a_token_needs_a_section(member, client_for):
    page = client_for(member()).post(reverse("access:token_create"), {"name": "Nothing", "days": "30"})
    assert page.status_code == 200 and not ApiToken.objects.exists()
    assert "at least one section" in page.content.decode()


def test_members_see_their_own_tokens_and_the_administrator_every_one(member, client_for):
    admin, editor, other = member(), member(Role.EDITOR), member(Role.VIEWER)
    mine, theirs = ApiTokenFactory(membership=editor, name="Mine"), ApiTokenFactory(membership=other)
    listed = client_for(editor).get(reverse("access:tokens")).content.decode()
    assert "Mine" in listed and theirs.name not in listed
    assert client_for(editor).post(reverse("access:token_revoke", args=[theirs.pk])).status_code == 404
    everything = client_for(admin).get(reverse("access:tokens")).content.decode()
    assert mine.name in everything and theirs.name in everything
    client_for(admin).post(reverse("access:token_revoke", args=[theirs.pk]))
    theirs.refresh_from_db()
    assert theirs.revoked_at is not None
