"""Wide tables fit (issue 15): on a 1366-pixel laptop and on a phone the page never scrolls sideways — a
wide table scrolls inside its own frame, its first column staying in view."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from portal.permissions import Role
from tests.factories import (
    PASSWORD,
    AccountFactory,
    CustomerMonthFactory,
    MembershipFactory,
    SubaccountFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE_SCROLLS = "document.documentElement.scrollWidth > window.innerWidth + 1"
# the texts of the table's column headers a reader sees
SHOWN = (
    "[...document.querySelectorAll('.table-wrap thead th')].filter(th => th.checkVisibility())"
    ".map(th => th.textContent.trim())"
)
FIRST_CELL = "getComputedStyle(document.querySelector('.table-wrap tbody tr > :first-child')).position"


@pytest.mark.parametrize("width", [1366, 390], ids=["laptop", "phone"])
def test_wide_tables_scroll_inside_their_frame_with_the_first_column_in_view(
    live_server, page, partner, width
):
    MembershipFactory(partner=partner, role=Role.ADMINISTRATOR, user__email="anna@alpha.example")
    for n in range(3):
        account = AccountFactory(
            partner=partner,
            name=f"Customer with a rather long trading name number {n}",
            legal_name="LLC " * 12,
        )
        SubaccountFactory(account=account)
        for month in range(1, 13):
            CustomerMonthFactory(
                account=account, month=datetime.date(2026, month, 1), paid=Decimal("123456.78")
            )
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill("anna@alpha.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    bonuses = "/finance/bonuses/?period=custom&start=2026-01&finish=2026-12"
    for path in ("/accounts/", "/subaccounts/", bonuses):
        page.goto(f"{live_server.url}{path}")
        assert not page.evaluate(PAGE_SCROLLS), f"{path} scrolls sideways at {width} px"
        assert page.evaluate(FIRST_CELL) == "sticky", path


def test_a_phone_shows_the_key_columns_and_all_of_them_on_request(live_server, page, partner):
    """Column priorities: at 390 px a list keeps its key columns (the name, what needs acting on) and hides
    the rest until "All columns"; a laptop shows every column and no switch."""
    MembershipFactory(partner=partner, role=Role.ADMINISTRATOR, user__email="anna@alpha.example")
    SubaccountFactory(account=AccountFactory(partner=partner, name="Customer", legal_name="Customer LLC"))
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill("anna@alpha.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    for path, key, optional in [
        (
            "/accounts/",
            ["Company name", "Stage", "Subaccounts"],
            ["Legal name", "Tax id", "Owner", "Created at"],
        ),
        ("/subaccounts/", ["Name", "Account", "Status"], ["Billing account id", "Created at"]),
    ]:
        page.goto(f"{live_server.url}{path}")
        assert set(key) <= set(page.evaluate(SHOWN)), path
        assert not set(optional) & set(page.evaluate(SHOWN)), path
        assert not page.evaluate(PAGE_SCROLLS), path

        page.get_by_role("link", name="All columns").click()
        assert set(key + optional) <= set(page.evaluate(SHOWN)), path
        assert not page.evaluate(PAGE_SCROLLS), f"{path}: all columns scroll inside the frame"
        page.get_by_role("link", name="Key columns only").click()
        assert not set(optional) & set(page.evaluate(SHOWN)), path

        page.set_viewport_size({"width": 1366, "height": 800})
        assert set(key + optional) <= set(page.evaluate(SHOWN)), path
        expect(page.get_by_role("link", name="All columns")).to_be_hidden()
        page.set_viewport_size({"width": 390, "height": 800})
