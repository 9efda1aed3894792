"""A real headless Chromium: the bell names the unread count, a notification opens its object and is read."""

import pytest
from playwright.sync_api import expect

from access.models import Notification
from tests.factories import PASSWORD, MembershipFactory, NotificationFactory, RegistrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_opens_the_list_and_a_notification_opens_its_object(live_server, page, partner):
    membership = MembershipFactory(partner=partner, user__email="anna@alpha.example")
    registration = RegistrationFactory(account__partner=partner, account__name="Gamma Retail")
    NotificationFactory(
        partner=partner,
        user=membership.user,
        path=registration.get_absolute_url(),
        params={"customer": "Gamma Retail", "status": "approved"},
    )

    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill("anna@alpha.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    page.get_by_role("link", name="Notifications, 1 unread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    page.get_by_role("button", name="Registration for Gamma Retail approved").click()
    expect(page).to_have_url(f"{live_server.url}{registration.get_absolute_url()}")
    expect(page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()
    assert Notification.objects.get().read_at is not None
