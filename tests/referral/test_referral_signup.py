"""Attribution: a customer who came through a link signs up with consent and becomes the partner's
referred account; only new customers, or ones stopped with no usage for over 32 days, count; no link, no
attribution."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from referral import selectors
from referral.models import ReferredCustomer
from tests.factories import AccountFactory, ConsumptionFactory, ReferralLinkFactory, SubaccountFactory

pytestmark = pytest.mark.django_db
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0"
FORM = {
    "name": "Gamma Retail",
    "country": "RU",
    "tax_id": "7707083893",
    "contact_name": "Olga",
    "email": "olga@gamma.example",
    "consent": "on",
}


@pytest.fixture
def link(partner):
    return ReferralLinkFactory(partner=partner)


def came_through(client, link):
    client.get(f"/r/{link.code}", HTTP_USER_AGENT=BROWSER)
    return client


def test_a_new_customer_signs_up_with_consent_and_becomes_the_partners_referred_account(
    client, link, partner
):
    came_through(client, link)
    page = client.get(reverse("referral_signup")).content.decode()
    assert "Alpha Integrator" in page and "sees the total of your company" in page
    done = client.post(reverse("referral_signup"), FORM)
    assert "You have joined the cloud with Alpha Integrator" in done.content.decode()
    customer = ReferredCustomer.objects.get()
    assert (customer.link, customer.account.partner, customer.account.tax_id) == (link, partner, "7707083893")
    assert customer.signed_up_at == timezone.localdate() and customer.consent_at is not None
    assert customer.account.stage == Account.Stage.CUSTOMER
    assert customer.account.contacts.get().email == "olga@gamma.example"


def test_without_consent_nothing_is_created(client, link):
    came_through(client, link)
    response = client.post(reverse("referral_signup"), {**FORM, "consent": ""})
    assert "Your consent is needed" in response.content.decode()
    assert not Account.objects.exists() and not ReferredCustomer.objects.exists()


def test_without_the_link_there_is_nothing_to_join(client):
    assert "Open the link your partner sent you" in client.get(reverse("referral_signup")).content.decode()
    assert client.post(reverse("referral_signup"), FORM).status_code == 400
    assert not Account.objects.exists()


def test_a_forged_cookie_is_no_link(client, link):
    client.cookies[selectors.COOKIE] = link.code  # unsigned
    assert client.post(reverse("referral_signup"), FORM).status_code == 400


def test_a_bad_tax_id_is_refused_with_a_message(client, link):
    came_through(client, link)
    response = client.post(reverse("referral_signup"), {**FORM, "tax_id": "1234"})
    assert response.context["form"].errors["tax_id"]
    assert not Account.objects.exists()


def test_an_existing_customer_does_not_count(client, link, other_partner):
    SubaccountFactory(account=AccountFactory(partner=other_partner, tax_id="7707083893"), status="active")
    came_through(client, link)
    response = client.post(reverse("referral_signup"), FORM)
    assert "already uses the cloud" in response.content.decode()
    assert not ReferredCustomer.objects.exists()


@pytest.mark.parametrize(("last_usage_days_ago", "counts"), [(33, True), (32, False), (5, False)])
def test_a_stopped_customer_counts_only_after_32_days_without_usage(
    client, link, other_partner, last_usage_days_ago, counts
):
    sub = SubaccountFactory(
        account=AccountFactory(partner=other_partner, tax_id="7707083893"), status="suspended"
    )
    ConsumptionFactory(
        subaccount=sub, date=timezone.localdate() - datetime.timedelta(days=last_usage_days_ago)
    )
    came_through(client, link)
    client.post(reverse("referral_signup"), FORM)
    assert ReferredCustomer.objects.exists() is counts


def test_a_deactivated_link_attributes_nothing(client, link):
    came_through(client, link)
    link.deactivated_at = timezone.now()
    link.save()
    assert client.post(reverse("referral_signup"), FORM).status_code == 400


def test_joining_twice_is_refused(client, link):
    came_through(client, link)
    client.post(reverse("referral_signup"), FORM)
    again = client.post(reverse("referral_signup"), FORM)
    assert "already joined through this partner" in again.content.decode()
    assert ReferredCustomer.objects.count() == 1
