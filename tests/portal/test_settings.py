"""Settings as each environment gets them, read in a process of their own."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SECRET = "test-secret-" + "k3Q9vZ7xT2mW8pL4nR6sY1cB5dF0gH" * 2  # long and varied: check --deploy accepts it
NO_SERVERS = {
    "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",  # read, never connected
    "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
}


def run_with(module: str, args: list[str], extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """Our interpreter with ``args``, under settings ``module`` and only the environment given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ALLAUTH_"))}
    env = {k: v for k, v in env.items() if k not in ("PORTAL_BASE_URL", "PORT")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": module,
            **NO_SERVERS,
            "DJANGO_SECRET_KEY": SECRET,
            "PORTAL_BASE_URL": "https://partners.example.com",
        }
    )
    env.update(extra_env or {})
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, *args], env=env, capture_output=True, text=True, cwd=ROOT
    )


def settings_of(module: str, *names: str, env: dict | None = None) -> dict:
    """``names`` of ``module``'s Django settings, as a process started with it (and ``env``) sees them."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    out = run_with(module, ["-c", code], env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def compose_environment() -> dict:
    """The portal's environment in docker-compose.yml as compose starts it with nothing set: each
    ``${VAR:-default}`` its default; the servers' addresses and required secrets are left to the caller."""
    text = (ROOT / "docker-compose.yml").read_text()
    block = text.split("environment: &portal-env\n", 1)[1]
    env = {}
    for line in block.splitlines():
        if line.strip().startswith("#"):
            continue
        match = re.fullmatch(r"    (\w+): (.*)", line)
        if not match:
            break
        name, value = match.groups()
        value = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)
        if "${" not in value and name not in NO_SERVERS:
            env[name] = value
    return env


@pytest.mark.parametrize(
    ("module", "age"), [("config.settings.local", 0), ("config.settings.production", 60)]
)
def test_the_threaded_dev_server_keeps_no_idle_connections_and_production_reuses_them(module, age):
    databases = settings_of(module, "DATABASES")["DATABASES"]
    assert databases["default"]["CONN_MAX_AGE"] == age


def test_production_as_docker_compose_starts_it_passes_the_deployment_checks_without_a_warning():
    assert "DJANGO_SETTINGS_MODULE" in compose_environment()
    out = run_with(
        "config.settings.production",
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        compose_environment(),
    )
    assert out.returncode == 0, out.stderr


def test_production_as_docker_compose_starts_it_speaks_https_only_with_cookies_to_match():
    names = (
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "X_FRAME_OPTIONS",
        "SECURE_REFERRER_POLICY",
    )
    seen = settings_of("config.settings.production", *names, env=compose_environment())
    assert seen["SECURE_SSL_REDIRECT"] is True
    assert seen["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600 and seen["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert seen["SESSION_COOKIE_SECURE"] is True and seen["CSRF_COOKIE_SECURE"] is True
    assert seen["X_FRAME_OPTIONS"] == "DENY" and seen["SECURE_REFERRER_POLICY"] == "same-origin"


def test_hsts_preload_is_offered_unless_the_environment_leaves_it_out():
    on = settings_of("config.settings.production", "SECURE_HSTS_PRELOAD")
    off = settings_of("config.settings.production", "SECURE_HSTS_PRELOAD", env={"DJANGO_HSTS_PRELOAD": "no"})
    assert on["SECURE_HSTS_PRELOAD"] is True and off["SECURE_HSTS_PRELOAD"] is False


def test_throttling_counts_in_redis_every_process_shares_and_believes_only_proxies_it_is_told_of():
    names = ("CACHES", "ALLAUTH_TRUSTED_PROXY_COUNT")
    bare = settings_of("config.settings.production", *names)
    cache = bare["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == NO_SERVERS["CELERY_BROKER_URL"] and bare["ALLAUTH_TRUSTED_PROXY_COUNT"] == 0

    composed = settings_of("config.settings.production", *names, env=compose_environment())
    assert composed["CACHES"]["default"]["LOCATION"] == "redis://redis:6379/1"  # not the broker's database
    assert composed["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1

    embedded = settings_of(
        "config.settings.local", "CACHES", env={"CELERY_BROKER_URL": "redis+socket:///d/r.sock"}
    )
    assert embedded["CACHES"]["default"]["LOCATION"] == "unix:///d/r.sock"


def web_environment() -> dict:
    """docker-compose's web service adds to the shared environment: its own variables, defaults taken."""
    text = (ROOT / "docker-compose.yml").read_text()
    block = text.split("  web:\n", 1)[1].split("    command:", 1)[0]
    return {
        name: re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)
        for name, value in re.findall(r"^      (\w+): (.*)$", block, re.M)
    }


def test_a_web_statement_stops_at_the_web_timeout_and_a_worker_statement_runs_on():
    """docker-compose bounds every statement of the web processes (below gunicorn's timeout), and only
    theirs: a real connection made with that setting cancels a longer statement; the worker's does not."""
    from django.db import connection

    web = web_environment()
    assert web["DJANGO_DB_STATEMENT_TIMEOUT"] == "25s"
    db = connection.settings_dict
    server = {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/postgres"
    }
    sleep = (
        "import django; django.setup(); from django.db import connection; "
        "connection.cursor().execute('SELECT pg_sleep(0.5)'); print('finished')"
    )
    bounded = run_with(
        "config.settings.production", ["-c", sleep], {**server, "DJANGO_DB_STATEMENT_TIMEOUT": "100ms"}
    )
    assert bounded.returncode != 0 and "canceling statement due to statement timeout" in bounded.stderr
    unbounded = run_with("config.settings.production", ["-c", sleep], server)
    assert unbounded.returncode == 0 and "finished" in unbounded.stdout


@pytest.mark.django_db
def test_the_portals_connections_compile_no_query_just_in_time():
    """A page's query the planner costs high (it cannot know a LIMIT reads little of it) must not spend
    seconds in JIT compilation: the portal's sessions have JIT off."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def test_a_statement_timeout_that_is_not_a_duration_is_refused_by_name():
    out = run_with("config.settings.production", ["-c", "import django; django.setup()"],
                   {"DJANGO_DB_STATEMENT_TIMEOUT": "25s; DROP TABLE x"})  # fmt: skip
    assert out.returncode != 0 and "DJANGO_DB_STATEMENT_TIMEOUT" in out.stderr


def test_without_a_replica_url_there_is_one_database_and_with_one_a_second_alias_that_only_reads():
    names = ("DATABASES", "DATABASE_ROUTERS")
    alone = settings_of("config.settings.production", *names)
    assert list(alone["DATABASES"]) == ["default"]

    url = "postgres://reader@replica.example:5433/portal"
    both = settings_of("config.settings.production", *names, env={"DATABASE_REPLICA_URL": url})
    default, replica = both["DATABASES"]["default"], both["DATABASES"]["replica"]
    assert (replica["HOST"], replica["PORT"], replica["USER"]) == ("replica.example", 5433, "reader")
    assert replica["OPTIONS"]["options"] == default["OPTIONS"]["options"]  # the primary's session settings
    assert replica["OPTIONS"]["connect_timeout"] == 2  # a replica that does not answer holds no request
    assert replica["ATOMIC_REQUESTS"] is False and replica["CONN_HEALTH_CHECKS"] is True
    assert replica["CONN_MAX_AGE"] == default["CONN_MAX_AGE"]
    assert both["DATABASE_ROUTERS"] == ["portal.replica.PrimaryReplicaRouter"]


@pytest.mark.django_db
def test_without_a_replica_everything_reads_the_primary_and_a_write_leaves_no_cookie(member, client_for):
    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from portal import replica

    membership = member()
    client = client_for(membership)
    assert list(connections) == ["default"] and replica.read_alias() == "default"
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("finance:usage")).status_code == 200
    assert any("GROUPING(" in q["sql"] for q in queries)
    response = client.post(reverse("switch_partner"), {"partner": membership.partner_id})
    assert response.status_code == 302 and replica.PIN_COOKIE not in response.cookies


def test_production_without_the_portals_public_address_stops_at_start_saying_what_to_set():
    """Links in emails (customer and access invitations, referral links) are built on it: a wrong default
    would send customers to a machine that is not the portal."""
    start = ["-c", "import django; django.setup()"]
    for value in ("", "http://partners.example.com"):
        out = run_with("config.settings.production", start, {"PORTAL_BASE_URL": value})
        assert out.returncode != 0 and "PORTAL_BASE_URL" in out.stderr and "https://" in out.stderr
    assert settings_of("config.settings.production", "PORTAL_BASE_URL") == {
        "PORTAL_BASE_URL": "https://partners.example.com"
    }


def test_in_development_links_point_to_the_port_the_portal_is_served_on():
    """scripts/run on another PORT: the emailed links follow it."""
    seen = settings_of(
        "config.settings.local", "PORTAL_BASE_URL", env={"PORT": "8123", "PORTAL_BASE_URL": ""}
    )
    assert seen == {"PORTAL_BASE_URL": "http://127.0.0.1:8123"}
