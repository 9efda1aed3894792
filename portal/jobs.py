"""Background jobs that a dead worker cannot strand: a job is claimed for as long as a worker runs it.

The claim is a PostgreSQL session-level advisory lock taken by the worker that runs the job and held until
the job ends — or until the worker's database session ends, which is what happens when the worker dies.
So a job whose status says "running" but whose claim nobody holds was abandoned: the sweep (a Celery beat
task every minute) queues it again, and the next worker claims it and runs it from the start. A second
delivery of a job already running elsewhere, or already finished, does nothing: the job completes once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

LOCK = "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))"
UNLOCK = "SELECT pg_advisory_unlock(hashtextextended(%s, 0))"


def _key(kind: str, pk: int) -> str:
    return f"job:{kind}:{pk}"


@contextmanager
def claimed(kind: str, pk: int) -> Iterator[bool]:
    """``with claimed("import", 42) as mine:`` — whether this worker holds job ``kind``/``pk`` (it keeps it
    until the block ends); False when another worker is running it."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK, [_key(kind, pk)])
        mine = cursor.fetchone()[0]
    try:
        yield mine
    finally:
        if mine:
            with connection.cursor() as cursor:
                cursor.execute(UNLOCK, [_key(kind, pk)])


def abandoned(kind: str, pk: int) -> bool:
    """Whether no worker holds job ``kind``/``pk`` (checked by claiming and at once releasing it)."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK, [_key(kind, pk)])
        free = cursor.fetchone()[0]
        if free:
            cursor.execute(UNLOCK, [_key(kind, pk)])
    return free
