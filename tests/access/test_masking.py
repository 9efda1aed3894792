"""Personal data shown or masked by role, on pages and in CSV alike (DESIGN.md's table)."""

import pytest
from django.urls import reverse

from portal.permissions import Role
from tests.factories import AccountContactFactory, AccountFactory, PartnerContactFactory, PayoutDetailsFactory

pytestmark = pytest.mark.django_db
SHOWN = {
    Role.ADMINISTRATOR: True,
    Role.EDITOR_PD: True,
    Role.VIEWER_PD: True,
    Role.EDITOR: False,
    Role.VIEWER: False,
}


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_customer_contacts_in_the_list_and_its_csv(partner, member, client_for, role):
    AccountContactFactory(account=AccountFactory(partner=partner), email="anna@gamma.example")
    client = client_for(member(role))
    page = client.get(reverse("accounts:list")).content.decode()
    export = b"".join(client.get(reverse("accounts:list"), {"export": "csv"}).streaming_content).decode()
    for text in (page, export):
        assert ("anna@gamma.example" in text) is SHOWN[role]
        assert ("a***@gamma.example" in text) is not SHOWN[role]


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_payout_details_and_partner_contacts_on_the_profile(partner, member, client_for, role):
    PayoutDetailsFactory(partner=partner, account_number="40702810200000012345")
    PartnerContactFactory(partner=partner, email="ceo@alpha.example")
    page = client_for(member(role)).get(reverse("profiles:profile")).content.decode()
    assert ("40702810200000012345" in page) is SHOWN[role]
    assert ("ceo@alpha.example" in page) is SHOWN[role]
