"""An administrator invites a Viewer; the invitee sets a password and sees only what a Viewer may."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from portal.permissions import Role
from tests.factories import PASSWORD, AccountFactory, MembershipFactory
from tests.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_invited_viewer_joins_and_sees_only_what_the_role_allows(
    live_server, page, browser, partner, settings, celery_worker_over_redis
):
    settings.PORTAL_BASE_URL = live_server.url
    MembershipFactory(partner=partner, role=Role.ADMINISTRATOR, user__email="anna@alpha.example")
    AccountFactory(partner=partner, name="Gamma Retail")

    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill("anna@alpha.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Access management").click()
    page.get_by_role("link", name="Invite user").click()
    page.get_by_label("Email").fill("victor@alpha.example")
    page.get_by_label("Role").select_option(label="Viewer")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The invitation to victor@alpha.example will be sent shortly.")).to_be_visible()

    wait_for(lambda: mail.outbox, 20)
    link = re.search(r"http://\S+/access/invitation/\S+/", mail.outbox[0].body).group(0)

    invitee = browser.new_context().new_page()
    invitee.goto(link)
    expect(invitee.get_by_text("as Viewer", exact=False)).to_be_visible()
    invitee.get_by_label("Password", exact=True).fill("a-long-Passphrase-42")
    invitee.get_by_label("Password (again)").fill("a-long-Passphrase-42")
    invitee.get_by_role("button", name="Create account and join").click()
    expect(invitee.get_by_text("Welcome to Alpha Integrator.")).to_be_visible()

    nav = invitee.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link", name="Finance")).to_have_count(0)
    expect(nav.get_by_role("link", name="Access management")).to_have_count(0)
    nav.get_by_role("link", name="Accounts", exact=True).click()
    expect(invitee.get_by_role("link", name="Gamma Retail")).to_be_visible()
    expect(invitee.get_by_role("link", name="New account")).to_have_count(0)
    invitee.goto(f"{live_server.url}/accounts/new/")
    expect(invitee.get_by_role("heading", name="Access denied")).to_be_visible()
