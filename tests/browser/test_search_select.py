"""A partner with many customers filters the subaccounts by one of them: types part of its name, picks it
from what the portal found, applies — in a real Chromium, under the portal's Content-Security-Policy."""

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from portal.permissions import Role
from tests.factories import PASSWORD, AccountFactory, MembershipFactory, SubaccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_type_a_customers_name_pick_it_and_see_only_its_subaccounts(
    live_server, page, partner, csp_violations
):
    MembershipFactory(partner=partner, role=Role.VIEWER, user__email="vera@alpha.example")
    Account.objects.bulk_create(AccountFactory.build_batch(60, partner=partner))
    gamma = AccountFactory(partner=partner, name="Gamma Retail", tax_id="7707083893")
    SubaccountFactory(account=gamma, name="Gamma prod", billing_account_id="dn2gamma")
    SubaccountFactory(account__partner=partner, partner=partner, name="Delta prod")

    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill("vera@alpha.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Subaccounts").click()
    expect(page.get_by_role("cell", name="Delta prod")).to_be_visible()

    customer = page.get_by_role("combobox", name="Customer")
    customer.click()
    choices = page.locator(".ts-dropdown [role=option]")
    expect(choices).to_have_count(20)  # the first page
    choices.last.scroll_into_view_if_needed()
    expect(choices).to_have_count(40)  # the next, as the list scrolls
    customer.fill("gamm")
    option = choices.filter(has_text="Gamma Retail")
    expect(option).to_contain_text("7707083893")  # the tax id under the name
    expect(choices).to_have_count(1)
    option.click()
    page.get_by_role("button", name="Apply").click()

    expect(page.get_by_role("cell", name="Gamma prod")).to_be_visible()
    expect(page.get_by_role("cell", name="Delta prod")).to_have_count(0)
    expect(page.locator(".ts-control .item")).to_have_text("Gamma Retail")  # the choice stays shown
    assert page.locator("select[name=account] option").count() <= 2
    page.wait_for_timeout(200)  # let late violation reports arrive
    assert csp_violations == []
