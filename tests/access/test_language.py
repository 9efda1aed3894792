"""Russian and English (issue 15): a language switch in the header, remembered per user; emails in the
recipient's language — a user's own choice, or for someone who is no user yet the language of the user who
wrote to them."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from access.models import UserPreferences
from portal.permissions import Role
from tests.factories import AccountFactory, RegistrationFactory
from tools.tasks import notify_registration_status

pytestmark = pytest.mark.django_db


def switch(client, language, next_url="/access/security/"):
    return client.post(reverse("language"), {"language": language, "next": next_url})


def test_a_visitor_switches_to_russian_and_the_public_pages_speak_it():
    client = Client()
    response = switch(client, "ru", "/auth/login/")
    assert response.status_code == 302 and response["Location"] == "/auth/login/"
    page = client.get("/auth/login/").content.decode()
    assert '<html lang="ru">' in page


def test_a_users_choice_is_kept_and_comes_back_on_another_browser(member, client_for):
    admin = member()
    first = client_for(admin)
    switch(first, "ru")
    assert UserPreferences.objects.get(user=admin.user).language == "ru"
    assert '<html lang="ru">' in first.get(reverse("access:security")).content.decode()
    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en")
    elsewhere.force_login(admin.user)  # a sign-in on another browser
    page = elsewhere.get(reverse("access:security")).content.decode()
    assert '<html lang="ru">' in page


def test_a_language_we_do_not_speak_or_a_foreign_next_changes_nothing(member, client_for):
    client = client_for(member())
    response = switch(client, "xx", "https://evil.example.net/")
    assert response["Location"] == "/"
    assert not UserPreferences.objects.exists()


def test_a_customers_invitation_is_in_the_language_of_the_user_who_sent_it(
    partner, member, client_for, celery_eager, django_capture_on_commit_callbacks
):
    admin = member(Role.ADMINISTRATOR)
    client = client_for(admin)
    switch(client, "ru")
    account = AccountFactory(partner=partner, name="Gamma Retail")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("subaccounts:create", args=[account.pk]),
            {"name": "Gamma prod", "customer_email": "cfo@gamma.example"},
        )
    [invitation] = [m for m in mail.outbox if m.to == ["cfo@gamma.example"]]
    assert re.search("[а-яё]", invitation.subject.lower()), invitation.subject  # written in Russian


def test_a_notification_reaches_each_administrator_in_their_own_language(partner, member):
    russian, english = member(Role.ADMINISTRATOR), member(Role.ADMINISTRATOR)
    UserPreferences.objects.create(user=russian.user, language="ru")
    registration = RegistrationFactory(account=AccountFactory(partner=partner), created_by=None)
    notify_registration_status(registration.pk)
    by_recipient = {tuple(m.to): m for m in mail.outbox}
    assert re.search("[а-яё]", by_recipient[(russian.user.email,)].subject.lower())
    assert not re.search("[а-яё]", by_recipient[(english.user.email,)].subject.lower())


def test_the_emails_sender_module_still_sends_one_message_per_language():
    from portal.mail import send_each

    sent = send_each(
        "subaccounts/email/answered",
        {"subaccount": None, "accepted": True},
        [("a@x.example", "ru"), ("b@x.example", None), ("c@x.example", "ru")],
    )
    assert sent == 2 and sorted(len(m.to) for m in mail.outbox) == [1, 2]
