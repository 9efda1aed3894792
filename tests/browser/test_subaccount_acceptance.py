"""A partner creates a customer and its subaccount; the customer accepts from the emailed link."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from portal.permissions import Role
from tests.factories import PASSWORD, MembershipFactory
from tests.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def wait_for_mail(count, timeout=20):
    assert wait_for(lambda: len(mail.outbox) >= count, timeout), "the worker sent no email"
    return mail.outbox[count - 1]


def test_create_account_and_subaccount_then_the_customer_accepts(
    live_server, page, browser, partner, settings, celery_worker_over_redis
):
    settings.PORTAL_BASE_URL = live_server.url
    MembershipFactory(partner=partner, role=Role.ADMINISTRATOR, user__email="anna@alpha.example")

    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill("anna@alpha.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Accounts", exact=True).click()
    page.get_by_role("link", name="New account").click()
    page.get_by_label("Tax id").fill("7707083893")
    page.get_by_label("Company name").fill("Gamma Retail")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gamma Retail")

    page.get_by_role("link", name="Create subaccount").click()
    page.get_by_label("Name").fill("Gamma production")
    page.get_by_label("Customer email").fill("cfo@gamma.example")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("A link to accept it will be emailed to cfo@gamma.example shortly")
    ).to_be_visible()
    expect(page.locator(".badge").first).to_have_text("Acceptance required")

    invitation = wait_for_mail(1)
    assert invitation.to == ["cfo@gamma.example"]
    link = re.search(r"http://\S+/subaccounts/invitation/\S+/", invitation.body).group(0)

    customer = browser.new_context().new_page()  # the customer: no session, no login
    customer.goto(link)
    expect(customer.get_by_text("Alpha Integrator invites Gamma Retail", exact=False)).to_be_visible()
    customer.get_by_role("button", name="Accept").click()
    expect(customer.get_by_role("heading", name="Invitation accepted")).to_be_visible()

    page.get_by_role("navigation", name="Sections").get_by_role(
        "link", name="Subaccounts", exact=True
    ).click()
    row = page.get_by_role("row", name=re.compile("Gamma production"))
    expect(row.locator(".badge")).to_have_text("Active")
    row.get_by_role("link", name="Gamma production").click()
    history = page.get_by_role("table").last
    expect(history.get_by_role("row", name=re.compile("Accepted by the customer"))).to_be_visible()
    expect(history.get_by_role("row", name=re.compile("Accepted by the customer"))).to_contain_text(
        "Customer"
    )
