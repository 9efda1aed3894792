"""List pages and their CSV export at growing row counts, against a small baseline measured in the same run.

Proves the foundation's promises: a list page runs a constant number of queries and answers in about the
same time whatever the number of rows (pagination from the database), and the CSV export streams with flat
memory. Run it with `bench/run`.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

import django  # noqa: E402
import psycopg  # noqa: E402

BASELINE, SIZES = 100, (2_000, 10_000, 50_000)


def use_bench_database() -> None:
    from portal import embedded

    url = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    import environ

    cfg = environ.Env.db_url_config(url)
    # the embedded server is reached by its socket directory, given as the URL's ?host= option
    host = cfg["HOST"] or cfg.get("OPTIONS", {}).get("host")
    conninfo = {"dbname": "postgres", "user": cfg["USER"] or "postgres", "host": host or None}
    if cfg.get("PORT"):
        conninfo["port"] = cfg["PORT"]
    name = bench_database(cfg["NAME"])
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    os.environ["DATABASE_URL"] = with_database(url, name)


def bench_database(name: str, kind: str = "bench") -> str:
    """The scratch database beside DATABASE_URL's: ``portal`` → ``portal_bench`` (``portal_scale`` for the
    kept full-scale world), so benchmarks run against different databases never meet."""
    return f"{name}_{kind}"


def with_database(url: str, name: str) -> str:
    """``url`` naming database ``name`` instead: only the path changes (the user may share the name)."""
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def psql(*args: str, stdout=None) -> None:
    """Run the machine's psql against the benchmark database (the baselines measured beside the portal)."""
    import subprocess

    from django.db import connection

    db = connection.settings_dict
    host = db["HOST"] or db.get("OPTIONS", {}).get("host") or "localhost"
    port = ["-p", str(db["PORT"])] if db.get("PORT") else []
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, *port, "-U", db["USER"] or "postgres"]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    subprocess.run([*cmd, "-d", db["NAME"], *args], check=True, env=env, stdout=stdout)


def grow(partner, target: int) -> None:
    from accounts.models import Account
    from subaccounts.models import Subaccount

    have = Subaccount.objects.filter(partner=partner).count()
    accounts = Account.objects.bulk_create(
        Account(partner=partner, name=f"Customer {i:06d}", tax_id=f"{i:010d}") for i in range(have, target)
    )
    Subaccount.objects.bulk_create(
        (
            Subaccount(
                partner=partner,
                account=a,
                billing_account_id=f"ba-{a.tax_id}",
                name=f"{a.name} prod",
                customer_email="billing@example.com",
                status=Subaccount.Status.ACTIVE,
            )
            for a in accounts
        ),
        batch_size=5000,
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure_page(client, path: str, params: dict) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(7):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(path, params)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200
    return statistics.median(times), len(ctx.captured_queries)


def measure_export(client, path: str) -> tuple[float, int, int]:
    """Time without tracing (tracemalloc slows Python down), then the traced peak in a second run."""
    start = time.perf_counter()
    response = client.get(path, {"export": "csv"})
    rows = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    for _ in client.get(path, {"export": "csv"}).streaming_content:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak, rows


def main() -> None:
    use_bench_database()
    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from access.models import Membership
    from portal.permissions import Role
    from profiles.models import Partner
    from tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    partner = Partner.objects.create(name="Bench partner", legal_name="Bench", tax_id="7700000001")
    user = UserFactory(email="bench@bench.example")
    Membership.objects.create(user=user, partner=partner, role=Role.ADMINISTRATOR)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)

    path = "/subaccounts/"
    results = {}
    for size in (BASELINE, *SIZES):
        grow(partner, size)
        page_time, queries = measure_page(client, path, {"sort": "-name"})
        search_time, _ = measure_page(client, path, {"q": "Customer 0000"})
        export_time, export_peak, rows = measure_export(client, path)
        assert rows == size, (rows, size)
        results[size] = (page_time, queries, search_time, export_time, export_peak)

    base = results[BASELINE]
    print(f"Subaccount list, one partner; baseline = {BASELINE} rows, measured in this run.")
    print(
        "The export's memory is bounded by one cursor chunk (portal.views.EXPORT_CHUNK rows), not the total."
    )
    print(
        f"{'rows':>8} {'page ms':>8} {'x base':>7} {'queries':>8} {'search ms':>10} {'x base':>7} "
        f"{'csv ms':>8} {'us/row':>7} {'csv peak KiB':>13} {'x base':>7}"
    )
    for size, (page, queries, search, export, peak) in results.items():
        print(
            f"{size:>8} {page * 1000:>8.1f} {page / base[0]:>7.2f} {queries:>8} "
            f"{search * 1000:>10.1f} {search / base[2]:>7.2f} {export * 1000:>8.0f} "
            f"{export / size * 1e6:>7.1f} {peak / 1024:>13.0f} {peak / base[4]:>7.2f}"
        )


if __name__ == "__main__":
    from django_scopes import scopes_disabled

    with scopes_disabled():  # the benchmark seeds and checks as the provider; its requests run scoped
        main()
