"""The audit trail reads as a story (issue 15): what happened in words, text as it was written, what
changed from what to what, and a date filter that cannot be read says so."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from access.audit import ACTIONS, audit
from access.models import AuditEvent
from portal.permissions import Role

pytestmark = pytest.mark.django_db


def page_of(client, **params):
    return client.get(reverse("access:audit"), params)


def test_actions_read_as_words_and_changes_as_before_and_after_with_text_as_written(
    partner, member, client_for
):
    admin = member()
    audit(
        partner_id=partner.pk,
        actor=admin.user,
        action="profile.change",
        target="Альфа",
        details={"name": {"before": "Альфа", "after": "Альфа Интегратор"}},
    )
    html = page_of(client_for(admin)).content.decode()
    assert re.search(r"<td[^>]*>Profile changed</td>", html) and "profile.change</td>" not in html
    assert "Альфа → Альфа Интегратор" in html and "\\u04" not in html
    export = b"".join(page_of(client_for(admin), export="csv").streaming_content).decode()
    assert "Profile changed" in export and "Альфа Интегратор" in export and "\\u04" not in export


def test_every_action_the_code_records_has_words():
    root = Path(__file__).resolve().parent.parent.parent
    names = set()
    for app in ("access", "accounts", "subaccounts", "tools", "finance", "referral", "profiles"):
        for path in (root / app).rglob("*.py"):
            names |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert len(names) >= 12 and names <= set(ACTIONS), names - set(ACTIONS)


def test_a_profile_change_of_contacts_only_records_what_changed_not_nothing(partner, member, client_for):
    admin = member()
    client_for(admin).post(
        reverse("profiles:edit"),
        {
            "name": partner.name,
            "legal_address": partner.legal_address,
            "mailing_address": partner.mailing_address,
            "contacts-TOTAL_FORMS": "1",
            "contacts-INITIAL_FORMS": "0",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "1000",
            "contacts-0-name": "Ирина",
            "contacts-0-email": "irina@alpha.example",
            "contacts-0-phone": "",
            "contacts-0-position": "",
        },
    )
    entry = AuditEvent.objects.get(action="profile.change")
    assert entry.details != {}
    assert entry.details["contacts"]["after"] and not entry.details["contacts"]["before"]


def test_a_date_filter_that_cannot_be_read_is_said_on_its_field(member, client_for):
    response = page_of(client_for(member(Role.ADMINISTRATOR)), since="2026-13-45")
    form = response.context["filter"].form
    assert "since" in form.errors
    assert "Enter a valid date." in response.content.decode()
