"""Log-in with django-allauth: email and password, verification, reset, rate limits, TOTP for every role."""

import time

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core import mail
from django.urls import reverse

from portal.permissions import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def current_totp(secret):
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def test_email_and_password_land_on_the_dashboard(client, member):
    user = member().user
    response = log_in(client, user.email)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


def test_an_unverified_email_must_be_confirmed_first(client, member):
    user = member().user
    EmailAddress.objects.filter(user=user).update(verified=False)
    response = log_in(client, user.email)
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1 and user.email in mail.outbox[0].to
    assert client.get(reverse("dashboard")).status_code == 302  # still not logged in


def test_password_reset_mails_a_link(client, member):
    user = member().user
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mail.outbox) == 1
    assert "/auth/password/reset/key/" in mail.outbox[0].body


def test_repeated_failed_logins_are_rate_limited(client, member):
    # more in test_login_throttling.py: per address and account, shared by processes, owner never locked out
    user = member().user
    pages = [log_in(client, user.email, "wrong-password").content.decode() for _ in range(6)]
    limited = "Too many failed login attempts. Try again later."
    assert all("The email address and/or password you specified are not correct." in p for p in pages[:5])
    assert limited in pages[5]
    right_password = log_in(client, user.email)
    assert right_password.status_code == 200 and limited in right_password.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302  # this address waits


def test_open_sign_up_is_closed(client):
    response = client.get(reverse("account_signup"))
    assert "Sign Up Closed" in response.content.decode()


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_every_role_can_turn_on_totp_and_is_then_asked_for_a_code(client, member, role):
    user = member(role).user
    log_in(client, user.email)
    # turning on 2FA is sensitive: allauth asks for the password again first
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    # the code made and checked in one instant: never a 30-second window's edge between them (a slow run)
    with time_machine.travel(time.time(), tick=False):
        form = client.get(reverse("mfa_activate_totp")).context["form"]
        response = client.post(reverse("mfa_activate_totp"), {"code": current_totp(form.secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    client.post(reverse("account_logout"))
    response = log_in(client, user.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("dashboard")).status_code == 302  # the password alone is not enough
