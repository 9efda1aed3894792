"""A partner registers a deal and sees it under review; a portal administrator approves it in admin."""

import re

import pytest
from playwright.sync_api import expect

from portal.permissions import Role
from tests.factories import PASSWORD, AccountFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_a_deal_and_an_administrator_approves_it(live_server, page, browser, partner):
    MembershipFactory(partner=partner, role=Role.EDITOR, user__email="eddie@alpha.example")
    AccountFactory(partner=partner, name="Gamma Retail", tax_id="7707083893")
    UserFactory(email="reviewer@provider.example", is_staff=True, is_superuser=True)

    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill("eddie@alpha.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Partner tools").click()
    page.get_by_role("link", name="Register a deal or project").click()
    page.get_by_label("Request type").select_option(label="New customer")
    # the box loads every customer on focus, then the typed search: the option is clicked once the search's
    # answer is in (a click on the first list's option could land as that list was redrawn)
    with page.expect_response(lambda answer: "/accounts/search/" in answer.url and "gamma" in answer.url):
        page.get_by_role("combobox", name=re.compile(r"^Customer")).fill("gamma")
    page.locator(".ts-dropdown [role=option]", has_text="Gamma Retail").click()
    page.get_by_label("Expected monthly consumption").fill("45000")
    page.get_by_label("Services").fill("Compute Cloud, Managed PostgreSQL")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Submitted for review.")).to_be_visible()
    expect(page.get_by_role("heading", level=1).locator(".badge")).to_have_text("Under review")

    admin = browser.new_context().new_page()
    admin.goto(f"{live_server.url}/admin/tools/registration/")
    admin.get_by_label("Username").fill("reviewer@provider.example")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    row = admin.get_by_role("row", name=re.compile("Gamma Retail"))
    row.get_by_role("checkbox").check()
    admin.get_by_label("Action:").select_option(label="Approve selected registrations")
    admin.get_by_role("button", name="Go").click()
    expect(admin.get_by_text("1 item(s) updated.")).to_be_visible()

    page.reload()
    expect(page.get_by_role("heading", level=1).locator(".badge")).to_have_text("Approved")
    expect(page.get_by_text("create the customer's subaccount before then")).to_be_visible()
