import logging
import os

import celery.contrib.testing.tasks  # noqa: F401 - the ping task start_worker checks with
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.test import Client
from django.utils import translation
from django_scopes import scopes_disabled

from config.celery import app as celery_app
from portal.permissions import Role
from tests.factories import MembershipFactory, PartnerFactory


@pytest.fixture(autouse=True)
def portal_language():
    """Each test starts in the portal's default language: a request in Russian leaves its thread in Russian
    (the locale middleware sets every request's own), and the next test must not inherit it."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def provider_view():
    """The test itself reads and writes as the provider does, across partners (factories, assertions on any
    partner's rows); what it calls through the portal runs as the portal does — a request in its partner's
    scope (the middleware), a task in its own (the task base), tested in tests/portal/test_scopes.py."""
    with scopes_disabled():
        yield


@pytest.fixture(scope="session")
def cache_redis():
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


@pytest.fixture(autouse=True)
def fresh_cache(cache_redis):
    """Each test starts with an empty cache (login throttling counts): this run's keys go, nothing else on
    the shared Redis (cache.clear() would empty the broker's database too)."""
    keys = list(cache_redis.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*", count=1000))
    if keys:
        cache_redis.delete(*keys)


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Alpha Integrator")


@pytest.fixture
def other_partner(db):
    return PartnerFactory(name="Omega Rival")


@pytest.fixture
def member(partner):
    """``member(role)`` -> a Membership of ``partner`` with that role (a new user each call)."""

    def make(role=Role.ADMINISTRATOR, **kwargs):
        return MembershipFactory(partner=partner, role=role, **kwargs)

    return make


@pytest.fixture
def client_for():
    """``client_for(membership)`` -> a test client logged in as the membership's user."""

    def make(membership):
        client = Client()
        client.force_login(membership.user)
        return client

    return make


# Browser tests: Debian's Chromium (Playwright cannot download its own browser here), driven
# synchronously while the test itself talks to the ORM, hence DJANGO_ALLOW_ASYNC_UNSAFE.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def celery_worker_over_redis(django_db_blocker):
    """A real Celery worker (solo pool, in a thread) consuming from the real Redis broker, for this test only:
    it starts on an empty queue (what other tests' outbox published is not theirs to run here) and is stopped
    — its task finished — before the test's database is flushed. A worker kept for the session ran the later
    tests' outbox tasks too, one of them committing while a flush truncated the tables: a deadlock."""
    assert celery_app.conf.broker_url.startswith("redis"), celery_app.conf.broker_url
    celery_app.control.purge()
    root = logging.getLogger()
    level = root.level  # the worker's logging set-up lowers the root logger to errors: the suite's own after
    with django_db_blocker.unblock(), start_worker(celery_app, pool="solo", perform_ping_check=True):
        yield
    root.setLevel(level)


@pytest.fixture
def celery_eager():
    """Tasks run inline where .delay() is called, their errors raised (the real worker has its own test)."""
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(task_always_eager=False, task_eager_propagates=False)


@pytest.fixture(scope="session")
def streaming_replica(django_db_setup, django_db_blocker):
    """A real streaming replica of the test database's server (tests/replica.py), started once the test
    database exists, for the tests that ask for it; stopped and removed at the end."""
    from django.db import connections

    from tests.replica import NotLocal, StreamingReplica

    server = StreamingReplica(connections["default"].settings_dict)
    try:
        server.start()
    except NotLocal as reason:
        server.stop()
        pytest.skip(f"no streaming replica: {reason}")
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture
def csp_violations(page) -> list[str]:
    """What the browser reports as blocked by the Content-Security-Policy on ``page``, from now on."""
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    return violations
