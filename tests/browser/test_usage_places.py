"""Subaccount details' cascading pickers in a real Chromium: a folder picked alone, then a cloud it is not
in clears it; the folder list then offers that cloud's folders only, and the figures are the folder's."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.permissions import Role
from tests.factories import PASSWORD, ConsumptionFactory, MembershipFactory, SubaccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_cloud_narrows_the_folders_and_clears_one_of_another_cloud(
    live_server, page, partner, csp_violations
):
    MembershipFactory(partner=partner, role=Role.VIEWER_PD, user__email="ada@alpha.example")
    gamma = SubaccountFactory(account__partner=partner, partner=partner, name="Gamma prod")
    today = timezone.localdate()
    prod = {"subaccount": gamma, "cloud_id": "c-prod", "cloud_name": "Production", "date": today}
    ConsumptionFactory(**prod, folder_id="f-web", folder_name="web", cost=Decimal("123.45"))
    ConsumptionFactory(**prod, folder_id="f-db", folder_name="db", cost=Decimal("67.00"))
    ConsumptionFactory(
        subaccount=gamma,
        cloud_id="c-dev",
        cloud_name="Development",
        folder_id="f-sandbox",
        folder_name="sandbox",
        date=today,
        cost=Decimal("5.00"),
    )

    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill("ada@alpha.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{live_server.url}/finance/usage/")
    choices = page.locator(".ts-dropdown [role=option]")

    folder = page.get_by_role("combobox", name="Folder")
    folder.click()
    folder.fill("sand")
    expect(choices).to_have_count(1)
    choices.filter(has_text="sandbox").click()
    folder_item = page.locator(".field:has(select[name=folder]) .ts-control .item")
    expect(folder_item).to_have_text("sandbox")

    cloud = page.get_by_role("combobox", name="Cloud")
    cloud.click()
    cloud.fill("produ")
    expect(choices).to_have_count(1)
    choices.filter(has_text="Production").click()
    expect(folder_item).to_have_count(0)  # sandbox is Development's: cleared

    folder.click()
    expect(choices).to_have_count(2)  # Production's folders only, by name
    expect(choices.first).to_contain_text("db")
    expect(choices.last).to_contain_text("web")
    choices.filter(has_text="web").click()
    page.get_by_role("button", name="Show").click()

    expect(page.locator("table.totals")).to_contain_text("123.45")
    expect(page.locator("table.totals")).not_to_contain_text("190.45")  # not the whole cloud's
    expect(folder_item).to_have_text("web")
    assert page.locator("select[name=folder] option").count() <= 2
    page.wait_for_timeout(200)  # let late violation reports arrive
    assert csp_violations == []
