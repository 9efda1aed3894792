"""One way to serialise work on one thing across processes: a PostgreSQL advisory lock held until the
transaction ends (commit or rollback), so it must be taken inside one (``transaction.atomic``). A second
taker waits for the first to finish.

The keys are the ones each caller has always used (a lock taken by a process still running the code of
before a deploy and one taken by the new code must meet): a number of its own, a text hashed by
PostgreSQL, or a text within a partner (two keys: the partner id and the hash)."""

from __future__ import annotations

from django.db import connections


def hold(key: int | str, *, partner_id: int | None = None, using: str = "default") -> None:
    """Wait for, then hold until the transaction ends, the lock named ``key`` (within ``partner_id``)."""
    with connections[using].cursor() as cursor:
        if partner_id is not None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [partner_id, key])
        elif isinstance(key, int):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        else:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
