"""Payout details meet the bank rules wherever they are entered: the portal's form and Django admin."""

import pytest
from django.urls import reverse

from portal.permissions import Role
from profiles.models import PayoutDetails
from tests.factories import PartnerFactory, PayoutDetailsFactory, UserFactory

pytestmark = pytest.mark.django_db

SBERBANK = {
    "bank_name": "Sberbank",
    "bic": "044525225",
    "account_number": "40702810200000012345",
    "correspondent_account": "30101810400000000225",
}
KEY_TYPO = "40702810900000012345"  # one digit off: the control key no longer matches the BIC
KEY_MESSAGE = "The account number's control key does not match the BIC: please check both for a typo."


def test_the_portal_form_refuses_an_account_whose_key_does_not_match_the_bic(partner, member, client_for):
    client = client_for(member(Role.ADMINISTRATOR))
    response = client.post(reverse("profiles:payout"), {**SBERBANK, "account_number": KEY_TYPO})
    assert response.status_code == 200
    assert response.context["form"].errors == {"account_number": [KEY_MESSAGE]}
    assert not PayoutDetails.objects.exists()


def test_the_portal_form_keeps_the_details_without_their_spaces(partner, member, client_for):
    spaced = {**SBERBANK, "bic": "04 45 25 225", "account_number": "40702 810 2 0000 0012345"}
    response = client_for(member(Role.ADMINISTRATOR)).post(reverse("profiles:payout"), spaced)
    assert response.status_code == 302
    kept = PayoutDetails.objects.values("bic", "account_number", "correspondent_account").get()
    assert kept == {k: v for k, v in SBERBANK.items() if k != "bank_name"}


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_django_admin_refuses_an_account_whose_key_does_not_match_the_bic(partner, superuser_client):
    data = {**SBERBANK, "partner": partner.pk}
    refused = superuser_client.post(
        reverse("admin:profiles_payoutdetails_add"), {**data, "account_number": KEY_TYPO}
    )
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors == {"account_number": [KEY_MESSAGE]}
    assert not PayoutDetails.objects.exists()
    saved = superuser_client.post(reverse("admin:profiles_payoutdetails_add"), data)
    assert (
        saved.status_code == 302 and PayoutDetails.objects.get().account_number == SBERBANK["account_number"]
    )


def test_django_admin_applies_the_international_rules_to_a_partner_outside_russia(superuser_client):
    partner = PartnerFactory(country="KZ", currency="KZT")
    data = {"partner": partner.pk, "bank_name": "Halyk Bank", "bic": "HSBKKZKX", "correspondent_account": ""}
    url = reverse("admin:profiles_payoutdetails_add")
    refused = superuser_client.post(url, {**data, "account_number": "KZ486010000000012345"})
    assert refused.context["adminform"].form.errors == {
        "account_number": ["This IBAN fails its check digits: please check it for a typo."]
    }
    assert superuser_client.post(url, {**data, "account_number": "KZ496010000000012345"}).status_code == 302


def test_the_factory_makes_details_that_pass_the_checks(partner):
    PayoutDetailsFactory(partner=partner).full_clean()
