"""The base page: the portal's look for errors, empty states and messages; assets served by the project."""

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse

from portal.permissions import Role
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
EMPTY_CONTACTS = {
    "contacts-TOTAL_FORMS": "0",
    "contacts-INITIAL_FORMS": "0",
    "contacts-MIN_NUM_FORMS": "0",
    "contacts-MAX_NUM_FORMS": "1000",
}


def test_not_found_is_a_portal_page_with_the_navigation(member, client_for):
    response = client_for(member()).get("/accounts/987654/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Not found" in page and 'aria-label="Sections"' in page and "Back to the dashboard" in page


def test_forbidden_says_why_in_the_portal_look(member, client_for):
    response = client_for(member(Role.VIEWER)).get(reverse("accounts:create"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "Your role does not allow this." in page and 'aria-label="Sections"' in page


def test_server_error_page_renders_without_a_request():
    page = render_to_string("500.html")
    assert "Something went wrong" in page and "portal.css" in page


def test_an_empty_list_explains_itself(member, client_for):
    page = client_for(member()).get(reverse("accounts:list")).content.decode()
    assert "No customer accounts match." in page


def test_a_saved_form_flashes_a_message(member, client_for, partner):
    response = client_for(member()).post(
        reverse("profiles:edit"),
        {"name": "Alpha Renamed", "legal_address": "", "mailing_address": "", **EMPTY_CONTACTS},
        follow=True,
    )
    assert "Partner profile saved." in response.content.decode()
    partner.refresh_from_db()
    assert partner.name == "Alpha Renamed"


def test_the_stylesheet_is_served_by_the_project_and_no_page_uses_a_cdn(member, client_for):
    assert finders.find("css/portal.css")
    page = client_for(member()).get(reverse("dashboard")).content.decode()
    assert "https://" not in page and "http://" not in page


@pytest.mark.parametrize(
    ("role", "shown"), [(Role.EDITOR, True), (Role.VIEWER_PD, False), (Role.VIEWER, False)]
)
def test_the_create_button_shows_only_to_roles_that_may_create(member, client_for, role, shown):
    page = client_for(member(role)).get(reverse("accounts:list")).content.decode()
    assert (f'href="{reverse("accounts:create")}"' in page) is shown


def test_cancel_leads_back_to_the_object_edited_or_to_the_portal_page_the_user_came_from(member, client_for):
    membership = member()
    client = client_for(membership)
    account = AccountFactory(partner=membership.partner)
    edit = client.get(reverse("accounts:edit", args=[account.pk])).content.decode()
    assert f'href="{account.get_absolute_url()}">Cancel' in edit
    came_from = "http://testserver" + reverse("accounts:list") + "?stage=lead"
    create = client.get(reverse("accounts:create"), headers={"referer": came_from}).content.decode()
    assert 'href="http://testserver/accounts/?stage=lead">Cancel' in create
    elsewhere = client.get(reverse("accounts:create"), headers={"referer": "https://evil.example/"})
    assert f'href="{reverse("dashboard")}">Cancel' in elsewhere.content.decode()
