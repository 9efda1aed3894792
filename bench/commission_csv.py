"""The detailed commission report at 1,000,000 rows: the portal's streamed download against psql running
COPY of the very same query to /dev/null, measured in the same run; plus this process's memory growth.

Run with `bench/run` (or `bench/run commission`); ROWS=200000 bench/run commission for a quicker look.
"""

from __future__ import annotations

import datetime
import os
import resource
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

import django  # noqa: E402

from bench.list_pages import psql, use_bench_database  # noqa: E402

ROWS = int(os.environ.get("ROWS", "1000000"))


def seed(partner_id: int, subaccount_ids: list[int]) -> None:
    from django.db import connection

    start = datetime.date(2026, 1, 1)
    with connection.cursor() as cursor:
        columns = (
            "partner_id, subaccount_id, date, cloud_id, cloud_name, folder_id, folder_name, service_id, "
            "service_name, sku_id, sku_name, quantity, unit, cost, credit, currency, is_marketplace"
        )
        with cursor.cursor.copy(f"COPY finance_consumption ({columns}) FROM STDIN") as copy:
            for n in range(ROWS):
                sub = subaccount_ids[n % len(subaccount_ids)]
                day = start + datetime.timedelta(days=(n // len(subaccount_ids)) // 20 % 180)
                copy.write_row(
                    (
                        partner_id,
                        sub,
                        day,
                        "cloud-1",
                        "production",
                        f"folder-{n % 7}",
                        "default",
                        "compute",
                        "Compute Cloud",
                        f"sku-{n}",
                        "Intel Ice Lake vCPU",
                        "12.500000",
                        "core*hour",
                        f"{(n % 5000) / 100:.2f}",
                        "0.00",
                        "RUB",
                        n % 50 == 0,
                    )
                )
        cursor.execute("ANALYZE finance_consumption")


def main() -> None:
    use_bench_database()
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from access.models import Membership
    from accounts.models import Account
    from finance.commission import SELECT, report_query
    from finance.models import Program, RebateTerm
    from portal.permissions import Role
    from profiles.models import Partner
    from subaccounts.models import Subaccount
    from tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    partner = Partner.objects.create(name="Bench partner", legal_name="Bench", tax_id="7700000002")
    RebateTerm.objects.create(
        program=Program.PARTNER_BONUS, rate="0.1000", valid_from=datetime.date(2024, 1, 1)
    )
    account = Account.objects.create(partner=partner, name="Customer", tax_id="7707083893")
    subs = Subaccount.objects.bulk_create(
        Subaccount(
            partner=partner,
            account=account,
            billing_account_id=f"ba-{i}",
            name=f"Sub {i}",
            customer_email="x@example.com",
        )
        for i in range(50)
    )
    seed(partner.pk, [s.pk for s in subs])
    user = UserFactory(email="bench@bench.example")
    Membership.objects.create(user=user, partner=partner, role=Role.ADMINISTRATOR)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)

    period = {"start": "2026-01-01", "finish": "2026-12-31"}
    # the page prepares periods over COMMISSION_STREAM_MAX_DAYS, or reports over COMMISSION_STREAM_MAX_ROWS,
    # in the background; this measures the stream itself
    settings.COMMISSION_STREAM_MAX_DAYS = 366
    settings.COMMISSION_STREAM_MAX_ROWS = 10 * ROWS
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get("/finance/commission/", {**period, "export": "csv"})
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    portal_s = time.perf_counter() - started
    rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert lines == ROWS + 1, (lines, ROWS)

    # the very query the portal runs, its parameters bound as the portal binds them
    query, params = report_query(
        SELECT, partner_id=partner.pk, start="2026-01-01", finish="2026-12-31", account_ids=None
    )
    with connection.cursor() as cursor:
        query = psycopg.ClientCursor(cursor.connection).mogrify(query, params)
    started = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        psql("-c", f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", stdout=devnull)
    psql_s = time.perf_counter() - started

    print(f"Commission report, {ROWS:,} rows ({size / 1e6:.0f} MB of CSV), measured in this run:")
    print(f"  psql COPY (same query) to /dev/null : {psql_s:7.2f} s   (baseline)")
    print(f"  portal download, streamed           : {portal_s:7.2f} s   {portal_s / psql_s:5.2f}x baseline")
    print(f"  portal process max-RSS growth       : {rss_growth_mb:7.1f} MB")


if __name__ == "__main__":
    from django_scopes import scopes_disabled

    with scopes_disabled():  # the benchmark seeds and checks as the provider; its requests run scoped
        main()
