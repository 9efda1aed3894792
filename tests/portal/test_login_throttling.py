"""Failed logins are throttled per address and account, counted in the shared Redis cache that every
process of the portal sees, on the client's real address; nobody can lock an account's owner out."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ATTACKER, OWNER, PROXY = "203.0.113.7", "198.51.100.20", "10.0.0.2"
LIMITED = "Too many failed login attempts. Try again later."
WRONG = "The email address and/or password you specified are not correct."


def log_in(client, email, password=PASSWORD, **headers):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **headers)


def test_five_failures_counted_by_another_process_slow_the_sixth_attempt_here(client, member):
    email = member().user.email
    code = (
        "import django; django.setup()\n"
        "from allauth.account.adapter import get_adapter\n"
        "from django.test import RequestFactory\n"
        f"request = RequestFactory().post('/auth/login/', REMOTE_ADDR={ATTACKER!r})\n"
        "for _ in range(5):\n"
        f"    get_adapter(request).pre_authenticate(request, email={email!r}, password='guess')\n"
    )
    env = {
        **os.environ,
        "DJANGO_CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
        "DJANGO_ALLOWED_HOSTS": "testserver",  # the test client's host, part of allauth's key
    }
    subprocess.run([sys.executable, "-c", code], env=env, check=True)  # noqa: S603 (our interpreter)

    assert LIMITED in log_in(client, email, "guess", REMOTE_ADDR=ATTACKER).content.decode()


def test_an_attacker_is_slowed_while_the_owner_elsewhere_signs_in(client, member):
    email = member().user.email
    pages = [log_in(client, email, "guess", REMOTE_ADDR=ATTACKER).content.decode() for _ in range(6)]
    assert all(WRONG in p for p in pages[:5]) and LIMITED in pages[5]
    # from the attacker's address even the right password waits: else the limit would reveal it
    assert LIMITED in log_in(client, email, REMOTE_ADDR=ATTACKER).content.decode()

    owner = log_in(client.__class__(), email, REMOTE_ADDR=OWNER)
    assert owner.status_code == 302 and owner["Location"] == reverse("dashboard")


def test_without_a_trusted_proxy_a_forged_forwarded_for_header_changes_nothing(client, member):
    email = member().user.email
    for i in range(5):
        log_in(client, email, "guess", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    forged = log_in(client, email, "guess", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert LIMITED in forged.content.decode()


def test_behind_a_trusted_proxy_each_client_counts_by_the_address_the_proxy_saw(client, member, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    email = member().user.email
    # the proxy appends the address it saw; whatever the client put in front is not believed
    via_proxy = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"192.0.2.1, {ATTACKER}"}
    pages = [log_in(client, email, "guess", **via_proxy).content.decode() for _ in range(6)]
    assert LIMITED in pages[5]

    owner = log_in(client.__class__(), email, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=OWNER)
    assert owner.status_code == 302 and owner["Location"] == reverse("dashboard")
