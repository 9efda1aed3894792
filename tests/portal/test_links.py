"""Signed single-use links (portal/links.py) as the two invitations use them: a link of one kind is never
valid as another, a link is spent by a newer one, and access-invitation links emailed before the two kinds
shared one encoding still open."""

import pytest
from django.core import signing

from access import services as access_services
from portal.links import SingleUseLink, new_nonce
from subaccounts import services as subaccount_services
from subaccounts.models import Subaccount
from tests.factories import InvitationFactory, SubaccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(partner):
    return InvitationFactory(partner=partner, nonce=new_nonce())


@pytest.fixture
def pending_subaccount(partner):
    return SubaccountFactory(
        account__partner=partner, status=Subaccount.Status.ACCEPTANCE_REQUIRED, invitation_nonce=new_nonce()
    )


def test_an_access_invitation_link_opens_its_invitation(invitation):
    token = access_services.invitation_token(invitation)
    assert access_services.invitation_resolve(token) == invitation
    assert access_services.invitation_token(invitation) == token  # the same link every time it is shown


def test_an_access_invitation_link_emailed_in_the_earlier_encoding_still_opens(invitation):
    earlier = signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt="access.invitation")
    assert access_services.invitation_resolve(earlier) == invitation


def test_a_link_of_one_kind_is_not_valid_as_the_other(invitation, pending_subaccount):
    # same id, same nonce: only the kind differs
    pending_subaccount.invitation_nonce = invitation.nonce
    pending_subaccount.save()
    subaccount_token = subaccount_services.invitation_token(pending_subaccount)
    with pytest.raises(access_services.InvitationError) as refused:
        access_services.invitation_resolve(subaccount_token)
    assert refused.value.message == access_services.InvitationError.INVALID
    with pytest.raises(subaccount_services.InvitationError) as refused:
        subaccount_services.invitation_resolve(access_services.invitation_token(invitation))
    assert refused.value.message == subaccount_services.InvitationError.INVALID


def test_a_new_nonce_spends_the_previous_link(invitation):
    previous = access_services.invitation_token(invitation)
    invitation.nonce = new_nonce()
    invitation.save()
    with pytest.raises(access_services.InvitationError) as refused:
        access_services.invitation_resolve(previous)
    assert refused.value.message == access_services.InvitationError.USED


@pytest.mark.parametrize("token", ["", "garbage", "a:b:c", "e30:" + "x" * 27])
def test_a_token_that_is_not_ours_reads_as_nothing(token):
    assert SingleUseLink(salt="access.invitation", key="i").read(token) is None


def test_a_cleared_nonce_matches_nothing():
    assert not SingleUseLink.matches("", "")
    assert SingleUseLink.matches("abc", "abc")
    assert not SingleUseLink.matches("abc", "abd")
