"""The export to a partner's bucket (issue 17) on the largest partner of the kept world: one day (about 30 k
rows at full scale) through the function the Celery task calls for a day (``write_day``), and a 92-day
back-fill through the task itself (``export_to_bucket``, batch after batch through its continuations: every
day written once), each against psql running
COPY of the very same report query to /dev/null (summed over the 92 days' queries), measured in the same run;
plus this process's max-RSS growth. The store is moto's standalone S3 server on 127.0.0.1, in a process of
its own (a real server over HTTP; its memory is not this process's).

    bench/run export                # a quick look: bench/pages.py's small world (500 subaccounts, 92 days)
    SCALE=full bench/run export     # DESIGN.md's largest partner: the kept <DATABASE_URL's>_scale (as pages)

Checked after the run: every object is in the bucket with the size recorded on its day, and the single day's
object is the commission report's CSV of that day (its ``exported_at`` cells aside: each COPY stamps its own
time). The export and its days are deleted at the end; the world's data is otherwise left as it was.
"""

from __future__ import annotations

import datetime
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pages import SCALES, open_world  # noqa: E402  (sets DJANGO_SETTINGS_MODULE)

BUCKET = "partner-billing"
PREFIX = "billing/daily/"
BACKFILL_DAYS = 92


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_store() -> tuple[subprocess.Popen, str]:
    """moto's standalone server on 127.0.0.1 in its own process, once it answers."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("moto's S3 server did not start") from None
            time.sleep(0.2)


def copy_to_devnull(query: str) -> float:
    """Seconds psql takes to COPY ``query`` (bound already) to /dev/null: the baseline."""
    from bench.list_pages import psql

    started = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        psql("-c", f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", stdout=devnull)
    return time.perf_counter() - started


def day_query(partner_id: int, day: datetime.date) -> str:
    """The query ``write_day`` runs for the day (Resource level), its parameters bound as the export binds
    them."""
    from django.db import connection

    from finance.commission import SELECT, report_query

    query, params = report_query(
        SELECT, partner_id=partner_id, start=day, finish=day, account_ids=None, resource=True
    )
    with connection.cursor() as cursor:
        return psycopg.ClientCursor(cursor.connection).mogrify(query, params)


def without_exported_at(data: bytes) -> list[bytes]:
    """The CSV's lines with the last cell (``exported_at``: the time of each COPY) cut off."""
    return [line.rsplit(b",", 1)[0] for line in data.splitlines()]


def main() -> None:
    scale = os.environ.get("SCALE", "small")  # as bench/pages.py: the full world is asked for
    size = SCALES[scale]
    open_world(scale)
    import boto3
    from django.conf import settings
    from django.utils import timezone

    from bench.seed_scale import LARGEST
    from finance import tasks
    from finance.bucket_export import object_key, write_day
    from finance.commission import commission_csv
    from finance.models import BucketExport, BucketExportDay
    from portal.encryption import seal
    from portal.models import OutboxMessage
    from profiles.models import Partner

    settings.BUCKET_EXPORT_PRIVATE_ENDPOINTS = True  # the store listens on 127.0.0.1
    partner = Partner.objects.get(name=LARGEST)
    today = timezone.localdate()
    day = today - datetime.timedelta(days=1)  # the last finished day, the one the nightly run writes
    first = today - datetime.timedelta(days=BACKFILL_DAYS)
    days = [first + datetime.timedelta(days=n) for n in range(BACKFILL_DAYS)]
    assert BucketExport.objects.filter(partner=partner).count() == 0, "the partner has an export already"

    server, url = start_store()
    export = None
    try:
        client = boto3.client(
            "s3",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench-secret",  # noqa: S106 (moto's store accepts any key)
        )
        client.create_bucket(Bucket=BUCKET)
        export = BucketExport.objects.create(
            partner=partner,
            endpoint_url=url,
            bucket=BUCKET,
            prefix=PREFIX,
            access_key_id="bench",
            secret_sealed=seal("bench-secret"),
            detail=BucketExport.Detail.RESOURCE,
            start_date=first,
        )

        # (1) one day: psql once untimed (the day's pages in the cache for both), then psql, then the export
        query = day_query(partner.pk, day)
        copy_to_devnull(query)
        day_psql_s = copy_to_devnull(query)
        rss_before = rss_mb()
        started = time.perf_counter()
        record = write_day(export, day)
        day_export_s = time.perf_counter() - started
        day_rss = rss_mb() - rss_before
        assert record.status == BucketExportDay.Status.WRITTEN, record.error
        body = client.get_object(Bucket=BUCKET, Key=object_key(export, day))["Body"].read()
        report = b"".join(
            commission_csv(partner_id=partner.pk, start=day, finish=day, account_ids=None, resource=True)
        )
        assert len(body) == record.size, (len(body), record.size)
        assert without_exported_at(body) == without_exported_at(report), "the day's object is not the report"
        assert record.rows == len(body.splitlines()) - 1 > 0, record.rows
        day_rows, day_bytes = record.rows, record.size
        BucketExportDay.objects.filter(export=export).delete()  # the back-fill writes every day, this one too

        # (2) the 92-day back-fill: psql of each day's query (summed), then the task, then psql again
        queries = [day_query(partner.pk, d) for d in days]
        fill_psql_before = sum(copy_to_devnull(q) for q in queries)
        rss_before = rss_mb()
        started = time.perf_counter()
        # the task as a worker runs it (in the export's scope); its continuations run inline (the seeding's
        # eager Celery), batch after batch, and would be run here by the loop otherwise
        while tasks.export_to_bucket(export.pk):
            pass
        fill_export_s = time.perf_counter() - started
        runs = OutboxMessage.objects.filter(task=tasks.export_to_bucket.name, args=[export.pk])
        batches = runs.count() + 1  # the first run, and each continuation it or a later batch queued
        written = BucketExportDay.objects.filter(export=export, status=BucketExportDay.Status.WRITTEN).count()
        fill_rss = rss_mb() - rss_before
        fill_psql_after = sum(copy_to_devnull(q) for q in queries)

        records = list(BucketExportDay.objects.filter(export=export).order_by("day"))
        assert written == BACKFILL_DAYS, written
        assert [r.day for r in records] == days, "not every day of the back-fill was recorded once"
        assert all(r.status == BucketExportDay.Status.WRITTEN and r.attempts == 1 for r in records)
        objects = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX):
            objects.update({o["Key"]: o["Size"] for o in page.get("Contents", [])})
        assert objects == {r.key: r.size for r in records}, "the bucket does not hold each day at its size"
        fill_rows = sum(r.rows for r in records)
        fill_bytes = sum(r.size for r in records)
        empty = [r.day for r in records if r.rows == 0]
    finally:
        if export is not None:
            export.delete()  # and its days
            # its continuations (the bench ran them itself; one a worker got finds the export gone)
            OutboxMessage.objects.filter(task=tasks.export_to_bucket.name, args=[export.pk]).delete()
        server.terminate()
        server.wait(timeout=30)

    fill_psql = min(fill_psql_before, fill_psql_after)
    mb = 1e6
    print(
        f"\nExport to a bucket, the largest partner ({scale}: {size.label()}), Resource level, in this run:"
    )
    print(f"  one day ({day}): {day_rows:,} rows, {day_bytes / mb:.1f} MB")
    line("psql COPY (same query) to /dev/null", day_psql_s, "(baseline)")
    line("export (write_day, to moto's S3)", day_export_s, f"{day_export_s / day_psql_s:5.2f}x baseline")
    print(f"    {'max-RSS growth':36}: {day_rss:7.1f} MB")
    span = f"{days[0]} … {days[-1]}"
    print(f"  back-fill of {len(days)} days ({span}): {fill_rows:,} rows, {fill_bytes / mb:.1f} MB")
    line("psql COPY of each day's query, sum", fill_psql_before, f"before; {fill_psql_after:.2f} s after")
    line(
        "export (the task, every day once)",
        fill_export_s,
        f"{fill_export_s / fill_psql:5.2f}x baseline (lesser)",
    )
    print(f"    {'max-RSS growth':36}: {fill_rss:7.1f} MB   ({fill_export_s / len(days):.2f} s a day)")
    each = settings.BUCKET_EXPORT_BATCH_SECONDS
    print(f"    {'batches (continuations + 1)':36}: {batches:7d}     (BUCKET_EXPORT_BATCH_SECONDS={each})")
    print(f"  checked: {len(objects)} objects in the bucket, each of its day's recorded size;")
    print("  the single day's object is the report's CSV of that day (exported_at aside)")
    if empty:
        print(f"  note: {len(empty)} day(s) without rows in the world: {empty[0]} … {empty[-1]}")


def line(what: str, seconds: float, note: str) -> None:
    print(f"    {what:36}: {seconds:7.2f} s   {note}")


if __name__ == "__main__":
    from django_scopes import scopes_disabled

    with scopes_disabled():  # the benchmark sets up and checks as the provider; the task runs in its scope
        main()
