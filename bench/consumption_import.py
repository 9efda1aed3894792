"""Importing a billing file of 1,000,000 daily consumption rows: the portal's import (whole-file check, COPY
into staging, period replaced, monthly aggregates rebuilt) against psql's \\copy of the same rows straight
into the same table (finance_consumption, with its indexes and constraints), measured in the same run.

The baseline's file is the billing file already shaped like the table (subaccount and partner ids in place
of the billing account id), so psql does the least work that can put these rows there; what the portal
adds is the check of every line, the billing-account lookup, the period swap and the monthly aggregates.

Run with `bench/run import`; ROWS=200000 bench/run import for a quicker look.
"""

from __future__ import annotations

import csv
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

import django  # noqa: E402

from bench.list_pages import psql, use_bench_database  # noqa: E402

ROWS = int(os.environ.get("ROWS", "1000000"))
SUBACCOUNTS = 2000

TABLE_COLUMNS = (
    "subaccount_id, partner_id, date, cloud_id, cloud_name, folder_id, folder_name, service_id, "
    "service_name, "
    "sku_id, sku_name, quantity, unit, cost, credit, currency, is_marketplace"
)


def write_files(path: Path, table_path: Path, ids: dict[str, tuple[int, int]]) -> None:
    """The billing file, and the same rows shaped like finance_consumption for the baseline."""
    from finance.importer import COLUMNS

    with open(path, "w", newline="") as handle, open(table_path, "w", newline="") as table_handle:
        out, table_out = csv.writer(handle), csv.writer(table_handle)
        out.writerow(COLUMNS)
        for row in rows():
            out.writerow(row)
            table_out.writerow((*ids[row[0]], *row[1:], "false"))


def rows():
    start = datetime.date(2026, 9, 1)
    for n in range(ROWS):
        sub = n % SUBACCOUNTS
        day = start + datetime.timedelta(days=(n // SUBACCOUNTS) % 30)
        yield (
            f"ba-{sub:06d}",
            day.isoformat(),
            f"cloud-{sub % 3}",
            "production",
            f"folder-{sub % 7}",
            "default",
            f"service-{n % 5}",
            "Compute Cloud",
            f"sku-{n // (SUBACCOUNTS * 30)}-{n % 11}",
            "Intel Ice Lake vCPU",
            "12.500000",
            "core*hour",
            f"{(n % 5000) / 100:.2f}",
            "0.00",
            "RUB",
        )


def main() -> None:
    use_bench_database()
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Account
    from finance.importer import load
    from finance.models import Consumption, MonthlyConsumption
    from profiles.models import Partner
    from subaccounts.models import Subaccount

    call_command("migrate", verbosity=0)
    partner = Partner.objects.create(name="Bench partner", legal_name="Bench", tax_id="7700000002")
    account = Account.objects.create(partner=partner, name="Customer", tax_id="7707083893")
    subs = Subaccount.objects.bulk_create(
        Subaccount(
            partner=partner,
            account=account,
            billing_account_id=f"ba-{i:06d}",
            name=f"Sub {i}",
            customer_email="x@example.com",
        )
        for i in range(SUBACCOUNTS)
    )
    ids = {s.billing_account_id: (s.pk, partner.pk) for s in subs}
    with tempfile.TemporaryDirectory() as tmp:
        path, table_path = Path(tmp) / "billing.csv", Path(tmp) / "table.csv"
        write_files(path, table_path, ids)
        size_mb = path.stat().st_size / 1e6
        connection.close()  # psql and the import each on their own connection

        started = time.perf_counter()
        psql("-c", f"\\copy finance_consumption ({TABLE_COLUMNS}) FROM '{table_path}' WITH (FORMAT csv)")
        baseline_s = time.perf_counter() - started
        assert Consumption.objects.count() == ROWS
        Consumption.objects.all()._raw_delete("default")
        connection.close()

        started = time.perf_counter()
        checked = load(path)
        portal_s = time.perf_counter() - started
        assert checked.rows == ROWS and Consumption.objects.count() == ROWS, checked
        assert MonthlyConsumption.objects.exists()

        started = time.perf_counter()
        load(path)  # the same period again: replaced, not doubled
        again_s = time.perf_counter() - started
        assert Consumption.objects.count() == ROWS

    print(f"Consumption import, {ROWS:,} rows ({size_mb:.0f} MB of CSV), measured in this run:")
    print(f"  psql \\copy of the same rows into the table    : {baseline_s:7.2f} s   (baseline)")
    print(
        f"  portal import (check, COPY, aggregates)       : {portal_s:7.2f} s   {portal_s / baseline_s:5.2f}x"
    )
    print(
        f"  same file again (period replaced)             : {again_s:7.2f} s   {again_s / baseline_s:5.2f}x"
    )


if __name__ == "__main__":
    from django_scopes import scopes_disabled

    with scopes_disabled():  # the benchmark seeds and checks as the provider; its requests run scoped
        main()
