"""The referral program in Finance, in a browser: the switch changes the balance shown, and a referral
partner withdraws commission as a grant on its own billing account, confirming first."""

import pytest
from playwright.sync_api import expect

from finance.models import Program, Withdrawal
from portal.permissions import Role
from tests.factories import PASSWORD, MembershipFactory, ReferralLinkFactory, SubaccountFactory, accrue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_switch_to_the_referral_program_and_withdraw_as_a_grant(live_server, page, partner):
    MembershipFactory(partner=partner, role=Role.ADMINISTRATOR, user__email="anna@alpha.example")
    ReferralLinkFactory(partner=partner)
    SubaccountFactory(
        account__partner=partner, partner=partner, is_partner_own=True, status="active", name="Alpha own"
    )
    customer = SubaccountFactory(account__partner=partner, partner=partner)
    accrue(partner, "1000.00", Program.PROJECT_REBATE, subaccount=customer)
    accrue(partner, "740.50", Program.REFERRAL, subaccount=customer)

    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill("anna@alpha.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{live_server.url}/finance/balance/")
    expect(page.locator(".figure")).to_have_text(["1,000.00"])

    page.get_by_role("navigation", name="Program").get_by_role("link", name="Referral program").click()
    page.get_by_role("link", name="Payments").click()
    expect(page.get_by_role("heading", name="Referral payments")).to_be_visible()
    expect(page.locator(".figure")).to_have_text(["740.50"])

    page.get_by_role("link", name="Withdraw").click()
    expect(page.get_by_role("heading", name="Withdraw: Referral commissions")).to_be_visible()
    expect(page.get_by_text("Available: 740.50 RUB · paid out from 500 RUB")).to_be_visible()
    page.get_by_label("Amount").fill("600")
    page.get_by_label("Grant on your own billing account").check()
    page.get_by_label("Billing account for the grant").select_option(label="Alpha own")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("You are about to withdraw")).to_contain_text("600.00 RUB")
    page.get_by_role("button", name="Confirm withdrawal").click()

    expect(page.get_by_text("Withdrawal of 600.00 RUB requested.")).to_be_visible()
    expect(page.locator(".figure")).to_have_text(["140.50"])  # still the referral balance: the switch stays
    withdrawal = Withdrawal.objects.get()
    assert (withdrawal.pool, withdrawal.destination) == ("referral", "grant")
