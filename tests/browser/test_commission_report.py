"""A long-period commission report: queued from the page, prepared by the real Celery worker, and the
page's table refreshes itself until the download appears."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from portal.permissions import Role
from tests.factories import PASSWORD, AccountFactory, ConsumptionFactory, MembershipFactory, SubaccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_a_year_report_is_prepared_in_the_background_and_downloaded(
    live_server, page, partner, celery_worker_over_redis
):
    MembershipFactory(partner=partner, role=Role.ADMINISTRATOR, user__email="anna@alpha.example")
    sub = SubaccountFactory(account=AccountFactory(partner=partner), billing_account_id="ba-year")
    for month in range(1, 11):
        ConsumptionFactory(subaccount=sub, date=datetime.date(2026, month, 5), cost=Decimal("100.25"))

    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill("anna@alpha.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{live_server.url}/finance/commission/?start=2026-01-01&finish=2026-10-31")
    expect(page.get_by_text("prepared in the background")).to_be_visible()
    page.get_by_role("button", name="Prepare the report").click()
    expect(page.get_by_text("is being prepared")).to_be_visible()

    # no reload from here: the table polls until the worker is done
    download_link = page.locator("#table").get_by_role("link", name="Download")
    expect(download_link).to_be_visible(timeout=30_000)
    expect(page.locator("#table")).to_contain_text("2026-01-01 – 2026-10-31")
    with page.expect_download() as download:
        download_link.click()
    content = download.value.path().read_text(encoding="utf-8")
    assert content.count("\n") == 11 and content.count("ba-year") == 10 and "100.25" in content
