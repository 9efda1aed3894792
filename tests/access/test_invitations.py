"""Joining a partner by invitation: new and existing users, and every way a link can be refused."""

import datetime
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from access import services
from access.models import AuditEvent, Invitation, Membership
from accounts.models import Account
from portal.permissions import Role
from tests.factories import PASSWORD, AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager_celery(celery_eager):
    """Tasks inline here; one test elsewhere goes through the real worker."""


@pytest.fixture
def admin(member):
    return member(Role.ADMINISTRATOR)


def invite(client, django_capture_on_commit_callbacks, **data):
    form = {"email": "new@alpha.example", "role": Role.VIEWER, **data}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("access:invite"), form)
    return response


def link_path(message) -> str:
    return "/" + re.search(r"https?://\S+?/(access/invitation/\S+/)", message.body).group(1)


def test_a_new_user_sets_a_password_and_joins_with_the_role_and_scope(
    admin, client_for, client, partner, django_capture_on_commit_callbacks
):
    granted = AccountFactory(partner=partner, name="Granted")
    AccountFactory(partner=partner, name="Not granted")
    response = invite(
        client_for(admin),
        django_capture_on_commit_callbacks,
        role=Role.EDITOR,
        restricted="on",
        accounts=[granted.pk],
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["new@alpha.example"] and "as Editor" in message.body

    path = link_path(message)
    assert "Choose a password" in client.get(path).content.decode()
    assert client.post(path, {"password1": "short", "password2": "short"}).status_code == 200
    response = client.post(path, {"password1": "a-long-Passphrase-42", "password2": "a-long-Passphrase-42"})
    assert response["Location"] == reverse("dashboard")

    membership = Membership.objects.get(user__email="new@alpha.example", partner=partner)
    assert (membership.role, membership.restricted) == (Role.EDITOR, True)
    assert list(Account.objects.restrict(membership).values_list("name", flat=True)) == ["Granted"]
    assert EmailAddress.objects.get(email="new@alpha.example").verified
    assert client.get(reverse("accounts:list")).status_code == 200  # logged in, in the partner
    assert Invitation.objects.get().status == Invitation.Status.ACCEPTED
    assert AuditEvent.objects.filter(action="invitation.accept", target="new@alpha.example").exists()


def test_an_existing_user_logs_in_and_joins(
    admin, client_for, client, partner, other_partner, django_capture_on_commit_callbacks
):
    existing = MembershipFactory(partner=other_partner, user__email="known@omega.example").user
    invite(client_for(admin), django_capture_on_commit_callbacks, email="known@omega.example")
    path = link_path(mail.outbox[0])
    assert "Log in to accept" in client.get(path).content.decode()
    client.post(reverse("account_login"), {"login": "known@omega.example", "password": PASSWORD})
    assert client.post(path)["Location"] == reverse("dashboard")
    assert Membership.objects.filter(user=existing, partner=partner, role=Role.VIEWER).exists()
    # and works in the invited partner straight away
    assert client.get(reverse("dashboard")).context["current_partner"] == partner


def test_a_link_opened_by_another_logged_in_user_is_refused(
    admin, client_for, django_capture_on_commit_callbacks
):
    invite(client_for(admin), django_capture_on_commit_callbacks)
    stranger = client_for(MembershipFactory())
    response = stranger.post(link_path(mail.outbox[0]))
    assert response.status_code == 410 and "was sent to new@alpha.example" in response.content.decode()
    assert not Membership.objects.filter(user__email="new@alpha.example").exists()


def test_an_expired_link_changes_nothing(admin, client_for, client, django_capture_on_commit_callbacks):
    invite(client_for(admin), django_capture_on_commit_callbacks)
    path = link_path(mail.outbox[0])
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=7, minutes=1)):
        response = client.post(
            path, {"password1": "a-long-Passphrase-42", "password2": "a-long-Passphrase-42"}
        )
    assert response.status_code == 410 and "has expired" in response.content.decode()
    assert not Membership.objects.filter(user__email="new@alpha.example").exists()


def test_a_revoked_link_changes_nothing(admin, client_for, client, django_capture_on_commit_callbacks):
    admin_client = client_for(admin)
    invite(admin_client, django_capture_on_commit_callbacks)
    admin_client.post(reverse("access:invitation_revoke", args=[Invitation.objects.get().pk]))
    response = client.get(link_path(mail.outbox[0]))
    assert response.status_code == 410 and "already been used or was withdrawn" in response.content.decode()


def test_a_used_link_cannot_be_used_again(admin, client_for, client, django_capture_on_commit_callbacks):
    invite(client_for(admin), django_capture_on_commit_callbacks)
    path = link_path(mail.outbox[0])
    client.post(path, {"password1": "a-long-Passphrase-42", "password2": "a-long-Passphrase-42"})
    client.logout()
    response = client.post(path, {"password1": "other-Passphrase-42", "password2": "other-Passphrase-42"})
    assert response.status_code == 410
    assert Membership.objects.filter(user__email="new@alpha.example").count() == 1


def test_resending_replaces_the_link(admin, client_for, client, django_capture_on_commit_callbacks):
    admin_client = client_for(admin)
    invite(admin_client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("access:invitation_resend", args=[Invitation.objects.get().pk]))
    old, new = link_path(mail.outbox[0]), link_path(mail.outbox[1])
    assert client.get(old).status_code == 410
    assert client.get(new).status_code == 200


def test_a_tampered_link_is_refused(client):
    response = client.get(reverse("access:invitation", args=["eyJpIjoxfQ:forged:signature"]))
    assert response.status_code == 410 and "not valid" in response.content.decode()


def test_inviting_a_member_twice_or_restricting_an_administrator_is_refused(
    admin, client_for, partner, django_capture_on_commit_callbacks
):
    client = client_for(admin)
    taken = invite(client, django_capture_on_commit_callbacks, email=admin.user.email)
    assert "already a user of your partner account" in str(taken.context["form"].errors["email"])
    invite(client, django_capture_on_commit_callbacks)
    again = invite(client, django_capture_on_commit_callbacks)
    assert "already has a pending invitation" in str(again.context["form"].errors["email"])
    restricted_admin = invite(
        client,
        django_capture_on_commit_callbacks,
        email="x@alpha.example",
        role=Role.ADMINISTRATOR,
        restricted="on",
        accounts=[AccountFactory(partner=partner).pk],
    )
    assert "always sees every customer account" in str(restricted_admin.context["form"].errors["restricted"])
    assert Invitation.objects.count() == 1


def test_an_invitation_cannot_grant_another_partners_account(admin, other_partner):
    foreign = AccountFactory(partner=other_partner)
    from access.forms import InvitationForm

    form = InvitationForm(
        {"email": "a@b.example", "role": Role.VIEWER, "restricted": "on", "accounts": [foreign.pk]},
        membership=admin,
    )
    assert not form.is_valid() and "accounts" in form.errors


def test_signing_up_with_an_existing_email_needs_a_login(admin, partner):
    UserFactory(email="new@alpha.example")
    invitation = services.invitation_create(
        partner=partner,
        email="new@alpha.example",
        role=Role.VIEWER,
        restricted=False,
        accounts=[],
        invited_by=admin.user,
    )
    with pytest.raises(ValidationError, match="log in to accept"):
        services.user_sign_up_from_invitation(
            token=services.invitation_token(invitation), password="x-Long-pass-1"
        )
