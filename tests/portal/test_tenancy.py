import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.models import Account
from portal.permissions import Role
from portal.tenancy import SESSION_KEY
from tests.factories import AccountFactory, MembershipFactory, SubaccountFactory

pytestmark = pytest.mark.django_db


def test_a_user_in_two_partners_switches_and_the_choice_sticks(partner, other_partner, member, client_for):
    mine = member(Role.ADMINISTRATOR)
    MembershipFactory(user=mine.user, partner=other_partner, role=Role.VIEWER)
    AccountFactory(partner=partner, name="Alpha customer")
    AccountFactory(partner=other_partner, name="Omega customer")
    client = client_for(mine)

    assert "Alpha customer" in client.get(reverse("accounts:list")).content.decode()
    response = client.post(reverse("switch_partner"), {"partner": other_partner.pk, "next": "/accounts/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/"

    page = client.get(reverse("accounts:list")).content.decode()
    assert "Omega customer" in page and "Alpha customer" not in page
    # the role follows the partner: a Viewer there cannot create accounts
    assert client.get(reverse("accounts:create")).status_code == 403


def test_switching_to_a_partner_the_user_is_not_in_is_refused(partner, other_partner, member, client_for):
    client = client_for(member())
    response = client.post(reverse("switch_partner"), {"partner": other_partner.pk}, follow=True)
    assert "You are not a member of that partner." in response.content.decode()
    assert client.session.get(SESSION_KEY) is None
    assert response.context["current_partner"] == partner


def test_a_forged_session_partner_is_ignored_on_every_request(partner, other_partner, member, client_for):
    AccountFactory(partner=other_partner, name="Omega customer")
    client = client_for(member())
    session = client.session
    session[SESSION_KEY] = other_partner.pk
    session.save()
    page = client.get(reverse("accounts:list")).content.decode()
    assert "Omega customer" not in page


def test_removed_membership_loses_access_at_once(partner, member, client_for):
    membership = member()
    client = client_for(membership)
    assert client.get(reverse("dashboard")).status_code == 200
    membership.delete()
    assert client.get(reverse("dashboard")).status_code == 403


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("accounts:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_restricted_member_sees_only_granted_accounts_and_their_subaccounts(partner, member, client_for):
    granted, hidden = AccountFactory(partner=partner), AccountFactory(partner=partner)
    sub_granted, sub_hidden = SubaccountFactory(account=granted), SubaccountFactory(account=hidden)
    editor = member(Role.EDITOR, restricted=True)
    assign_perm("accounts.access_account", editor.user, granted)
    client = client_for(editor)

    assert list(Account.objects.restrict(editor)) == [granted]
    assert client.get(reverse("accounts:detail", args=[granted.pk])).status_code == 200
    assert client.get(reverse("accounts:detail", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("subaccounts:detail", args=[sub_granted.pk])).status_code == 200
    assert client.get(reverse("subaccounts:detail", args=[sub_hidden.pk])).status_code == 404
    listed = {row.record.pk for row in client.get(reverse("subaccounts:list")).context["table"].rows}
    assert listed == {sub_granted.pk}


def test_a_grant_in_one_partner_opens_nothing_in_another(partner, other_partner, member, client_for):
    foreign = AccountFactory(partner=other_partner)
    viewer = member(Role.VIEWER, restricted=True)
    assign_perm("accounts.access_account", viewer.user, foreign)
    assert list(Account.objects.restrict(viewer)) == []
    assert client_for(viewer).get(reverse("accounts:detail", args=[foreign.pk])).status_code == 404
