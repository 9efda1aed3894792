"""A partner's member finds a customer from any page without the mouse: "/" puts the cursor in the header's
search, the suggestions come as they type, the arrow keys reach one, Enter opens it; and the full results
page, reached by Enter in the box, is walked with Tab — under the portal's Content-Security-Policy."""

import pytest
from playwright.sync_api import expect

from portal.permissions import Role
from tests.factories import PASSWORD, AccountFactory, MembershipFactory, SubaccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_slash_search_and_open_a_result_by_keyboard(
    live_server, page, partner, other_partner, csp_violations
):
    MembershipFactory(partner=partner, role=Role.VIEWER, user__email="vera@alpha.example")
    gamma = AccountFactory(partner=partner, name="Gamma Retail", tax_id="7707083893")
    SubaccountFactory(account=gamma, name="Gamma prod", billing_account_id="dn2gamma")
    AccountFactory(partner=other_partner, name="Gamma Rival")

    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill("vera@alpha.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    box = page.get_by_role("searchbox", name="Search accounts, subaccounts, registrations and users")
    page.keyboard.press("/")
    expect(box).to_be_focused()
    page.keyboard.type("gamm")
    suggestions = page.locator("#site-search-suggestions")
    expect(suggestions.get_by_role("link", name="Gamma Retail")).to_be_visible()
    expect(suggestions.get_by_role("link", name="Gamma prod")).to_be_visible()
    expect(suggestions).not_to_contain_text("Gamma Rival")
    page.keyboard.press("ArrowDown")
    expect(suggestions.get_by_role("link", name="Gamma Retail")).to_be_focused()
    page.keyboard.press("Escape")
    expect(box).to_be_focused()
    expect(suggestions).to_be_hidden()

    page.keyboard.press("Enter")  # the full results page
    expect(page.get_by_role("heading", name="Accounts (1)", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Subaccounts (1)", exact=True)).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text("Gamma Rival")
    for _ in range(30):  # Tab through the page to the first result, as a keyboard user does
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Gamma Retail":
            break
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}{gamma.get_absolute_url()}")
    page.wait_for_timeout(200)  # let late violation reports arrive
    assert csp_violations == []
