"""The monthly partitions of daily consumption (``finance_consumption`` PARTITION BY RANGE (date)).

Each month is a partition ``finance_consumption_pYYYY_MM``; the DEFAULT partition takes a row of any month
without one, so no write ever fails. Partitions are made ahead by the daily beat (this month and the next
three) and by the importer for the months of its file that have none (a backfill), and whenever one is made,
the rows of its month waiting in the default partition move into it. Retention detaches old months: a
detached month is a plain table ``finance_consumption_archive_YYYY_MM`` the portal no longer reads (its
monthly aggregates stay; Subaccount details' daily aggregates go with its rows), kept until an operator
drops it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from portal import locks
from portal.periods import month_after

from .aggregates import usage_version_renew

TABLE = "finance_consumption"
DEFAULT = f"{TABLE}_default"
MONTHS_AHEAD = 3
# serialises partition changes: two makers of one month never race (pg_advisory_xact_lock's key)
LOCK_KEY = 0x70617274  # "part"
# a detach waits at most this long for the table's lock, so it never queues the portal's reads behind it
DETACH_LOCK_TIMEOUT = "5s"
BOUND = re.compile(r"FOR VALUES FROM \('(\d{4}-\d{2}-\d{2})'\) TO \('(\d{4}-\d{2}-\d{2})'\)")


@dataclass(frozen=True)
class Partition:
    name: str
    first: datetime.date | None  # None: the default partition
    end: datetime.date | None  # exclusive
    rows: int  # PostgreSQL's estimate (pg_class.reltuples), 0 before the first ANALYZE

    @property
    def month(self) -> str:
        return f"{self.first:%Y-%m}" if self.first else "default"


def partition_name(month: datetime.date) -> str:
    return f"{TABLE}_p{month:%Y_%m}"


def archive_name(month: datetime.date) -> str:
    return f"{TABLE}_archive_{month:%Y_%m}"


def months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    month, found = first.replace(day=1), []
    while month <= last:
        found.append(month)
        month = month_after(month)
    return found


def partitions() -> list[Partition]:
    """The attached partitions, months in order, the default last."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), greatest(c.reltuples, 0)::bigint
               FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = %s::regclass""",
            [TABLE],
        )
        found = []
        for name, bound, rows in cursor.fetchall():
            match = BOUND.search(bound)
            first, end = (datetime.date.fromisoformat(d) for d in match.groups()) if match else (None, None)
            found.append(Partition(name, first, end, rows))
    return sorted(found, key=lambda p: (p.first is None, p.first or datetime.date.min))


def archives() -> list[str]:
    """The tables of months detached for retention, still in the database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE %s ORDER BY relname",
            [f"{TABLE}\\_archive\\_%"],
        )
        return [name for (name,) in cursor.fetchall()]


def ensure(first: datetime.date, last: datetime.date) -> list[str]:
    """Make the partitions of the months from ``first`` to ``last`` that do not exist yet, each with the rows
    of its month the default partition held; returns the names made. Idempotent, atomic, and safe to run
    concurrently (an advisory lock serialises makers)."""
    return ensure_months(months(first, last))


@transaction.atomic
def ensure_months(wanted: list[datetime.date]) -> list[str]:
    """``ensure`` for the months ``wanted`` (their first days)."""
    if not missing(wanted):
        return []  # the usual case: a look at the catalog, no lock
    locks.hold(LOCK_KEY)
    with connection.cursor() as cursor:
        return [_make(cursor, month) for month in missing(wanted)]


def ensure_ahead(months_ahead: int = MONTHS_AHEAD, *, today: datetime.date | None = None) -> list[str]:
    """This month's partition and the next ``months_ahead``, and one for every month of a row waiting in
    the default partition (which the new partitions take); returns the names made. Idempotent."""
    today = today or timezone.localdate()
    last = today.replace(day=1)
    for _ahead in range(months_ahead):
        last = month_after(last)
    made = ensure(today, last)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT date_trunc('month', date)::date FROM {DEFAULT}")  # noqa: S608
        strays = sorted(month for (month,) in cursor.fetchall())
    for month in strays:
        made += ensure(month, month)
    return made


def missing(wanted: list[datetime.date]) -> list[datetime.date]:
    """The months of ``wanted`` (first days) without a partition, in order."""
    attached = {p.first for p in partitions()}
    return sorted(month for month in set(wanted) if month not in attached)


def _make(cursor, month: datetime.date) -> str:
    """A month's partition: a table like the parent, filled with the month's rows from the default partition,
    then attached (ATTACH takes a lighter lock on the parent than CREATE … PARTITION OF, and builds the
    partition's indexes and keys from the parent's)."""
    name, end = partition_name(month), month_after(month)
    cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    # the range as a check: ATTACH then trusts it instead of scanning the rows moved in
    cursor.execute(
        f"ALTER TABLE {name} ADD CONSTRAINT {name}_range CHECK (date >= %s AND date < %s)", [month, end]
    )
    moved = f"DELETE FROM {DEFAULT} WHERE date >= %s AND date < %s RETURNING *"  # noqa: S608
    cursor.execute(f"WITH moved AS ({moved}) INSERT INTO {name} SELECT * FROM moved", [month, end])  # noqa: S608
    cursor.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", [month, end])
    cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_range")
    return name


def detach_before(month: datetime.date) -> list[Partition]:
    """Detach every month partition that ends on or before ``month``'s first day, oldest first, each renamed
    to its archive name and freed of its foreign keys (an archive must not stop a partner's deletion); the
    rows stay in the archive table. Each detach is its own short transaction and waits at most
    DETACH_LOCK_TIMEOUT for its lock (DETACH … CONCURRENTLY is not possible beside a default partition).
    Returns what was detached."""
    cutoff = month.replace(day=1)
    detached = []
    for part in partitions():
        if part.end is None or part.end > cutoff:
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{DETACH_LOCK_TIMEOUT}'")
            cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {part.name}")
            # Subaccount details' and Commission statistics' daily aggregates go with the month's rows (the
            # monthly aggregates stay)
            for aggregate in (
                "finance_dailyusage",
                "finance_dailyskuusage",
                "finance_dailylabelusage",
                "finance_usagerewardday",
                "finance_customerusageday",
                "finance_customerskuday",
                "finance_partnerusageday",
            ):
                cursor.execute(
                    f"DELETE FROM {aggregate} WHERE date >= %s AND date < %s",  # noqa: S608 (constant names)
                    [part.first, part.end],
                )
            cursor.execute(
                "DELETE FROM finance_monthlyusage WHERE month >= %s AND month < %s", [part.first, part.end]
            )
            usage_version_renew(cursor)  # (every partner's: the month's rows were anyone's)
            # the pickers' folders whose last day was in it or before: months detach oldest first, so they
            # have no daily rows left
            cursor.execute("DELETE FROM finance_usagefolder WHERE last_date < %s", [part.end])
            cursor.execute(f"ALTER TABLE {part.name} RENAME TO {archive_name(part.first)}")
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
                [archive_name(part.first)],
            )
            for (key,) in cursor.fetchall():
                cursor.execute(f'ALTER TABLE {archive_name(part.first)} DROP CONSTRAINT "{key}"')
        detached.append(part)
    return detached
