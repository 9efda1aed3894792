"""A real headless Chromium: log in, see the dashboard, visit every section, switch partner."""

import pytest
from playwright.sync_api import expect

from portal.permissions import Role
from tests.factories import PASSWORD, AccountFactory, MembershipFactory, SubaccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTIONS = [
    ("Accounts", "Accounts"),
    ("Subaccounts", "Subaccounts"),
    ("Partner tools", "Deal and project registrations"),
    ("Finance", "Accruals"),
    ("Partner profile", "Alpha Integrator"),
    ("Access management", "Users and roles"),
]


def test_log_in_visit_every_section_and_switch_partner(live_server, page, partner, other_partner):
    membership = MembershipFactory(partner=partner, role=Role.ADMINISTRATOR, user__email="anna@alpha.example")
    MembershipFactory(partner=other_partner, user=membership.user, role=Role.VIEWER)
    SubaccountFactory(account=AccountFactory(partner=partner, name="Alpha customer"))
    AccountFactory(partner=other_partner, name="Omega customer")

    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill("anna@alpha.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Alpha Integrator at a glance")
    expect(page.get_by_text("Customers per subaccount status")).to_be_visible()

    nav = page.get_by_role("navigation", name="Sections")
    for link, heading in SECTIONS:
        nav.get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        expect(nav.get_by_role("link", name=link, exact=True)).to_have_attribute("aria-current", "page")

    nav.get_by_role("link", name="Accounts", exact=True).click()
    expect(page.get_by_role("link", name="Alpha customer")).to_be_visible()

    page.get_by_label("Partner").select_option(label="Omega Rival")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_text("Now working as Omega Rival.")).to_be_visible()
    expect(page.get_by_role("link", name="Omega customer")).to_be_visible()
    expect(page.get_by_role("link", name="Alpha customer")).to_have_count(0)
    # a Viewer there: no Finance and no Access management in the navigation
    expect(nav.get_by_role("link", name="Finance")).to_have_count(0)
    expect(nav.get_by_role("link", name="Access management")).to_have_count(0)
