"""A real headless Chromium enforcing the portal's Content-Security-Policy: the pages people use, a chart,
the two-factor page and Django admin run without a single violation."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from portal.permissions import Role
from tests.factories import (
    PASSWORD,
    AccountFactory,
    MembershipFactory,
    MonthlyConsumptionFactory,
    SubaccountFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_main_pages_keep_to_the_content_security_policy(live_server, page, partner, csp_violations):
    membership = MembershipFactory(
        partner=partner, role=Role.ADMINISTRATOR, user__email="anna@alpha.example", user__is_staff=True
    )
    membership.user.is_superuser = True
    membership.user.save()
    account = AccountFactory(partner=partner, name="Alpha customer")
    subaccount = SubaccountFactory(account=account)
    MonthlyConsumptionFactory(
        subaccount=subaccount,
        month=timezone.localdate().replace(day=1),
        service_id="compute",
        service_name="Compute Cloud",
        cost=Decimal("1200.50"),
    )

    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill("anna@alpha.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alpha Integrator at a glance")

    pages = [
        reverse("accounts:list"),
        reverse("accounts:create"),
        account.get_absolute_url(),
        reverse("subaccounts:list"),
        f"{reverse('subaccounts:list')}?account={account.pk}",  # a search-as-you-type select with a choice
        reverse("tools:index"),
        reverse("tools:registration_create"),
        reverse("access:invite"),
        reverse("finance:index"),
        reverse("profiles:profile"),
        reverse("access:members"),
        reverse("mfa_index"),
        reverse("admin:index"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_change", args=[membership.user.pk]),
    ]
    for path in pages:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "Content-Security-Policy" in {k.title() for k in response.headers}, path

    # the search-as-you-type select opens its list of choices (Tom Select styles through the CSSOM only)
    page.goto(f"{live_server.url}{reverse('tools:registration_create')}")
    page.get_by_role("combobox", name=re.compile(r"^Customer")).fill("alpha")
    expect(page.locator(".ts-dropdown [role=option]", has_text="Alpha customer")).to_be_visible()

    # the chart draws: an SVG image, styled from inside, where the page's policy does not reach
    page.goto(f"{live_server.url}{subaccount.get_absolute_url()}")
    chart = page.locator("img.chart-image")
    expect(chart).to_be_visible()
    assert chart.evaluate("img => img.complete && img.naturalWidth") > 0
    page.wait_for_timeout(200)  # let late violation reports arrive
    assert csp_violations == []
