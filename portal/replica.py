"""Reports and heavy pages read from a streaming replica when DATABASE_REPLICA_URL is set; every write, and
every other read, stays on the primary.

Which reads go there is explicit, never "every read": a heavy read asks ``read_alias()`` for the database to
use and passes it on (``queryset.using(alias)``, ``connections[alias].cursor()``; a list page says
``read_replica = True``). The answer is the primary ("default") when
- no replica is configured: there is no second alias, no second connection, nothing changes;
- the request is a write (POST …) or the same browser wrote less than DATABASE_REPLICA_MAX_LAG_SECONDS ago
  (``PinningMiddleware``'s cookie): a user always sees what they just did. A replica is used only while it
  lags less than that bound, so once the pin expires whatever the user wrote is on the replica too;
- the replica does not answer, is not a standby, or lags more than the bound: checked at most every
  DATABASE_REPLICA_CHECK_SECONDS per process; each check that finds it so logs a warning.
"""

from __future__ import annotations

import contextvars
import logging
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
PIN_COOKIE = "portal_primary"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")

logger = logging.getLogger(__name__)
_pinned = contextvars.ContextVar("portal_replica_pinned", default=False)
_verdict: tuple[float, bool] | None = None  # (when checked, usable) — this process's last look at the replica

# seconds the replica is behind: none while it has replayed all it received, else since the last transaction
# it replayed was committed; NULL (unusable) for a server that is not a standby or has replayed nothing
LAG = """
SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL
            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END
"""


def configured() -> bool:
    return REPLICA in connections.settings


def read_alias() -> str:
    """The database a heavy read uses now: the replica when it is configured, this request is not pinned to
    the primary and the replica answers within the lag bound; else the primary."""
    if not configured() or _pinned.get():
        return DEFAULT_DB_ALIAS
    return REPLICA if _usable() else DEFAULT_DB_ALIAS


def _usable() -> bool:
    global _verdict
    now = time.monotonic()
    if _verdict is None or now - _verdict[0] >= settings.DATABASE_REPLICA_CHECK_SECONDS:
        usable = _check()
        if _verdict is not None and usable and not _verdict[1]:
            logger.warning("The replica answers within the lag bound again: heavy reads go to it.")
        _verdict = (now, usable)
    if not _verdict[1]:
        return False
    replica = connections[REPLICA]
    try:  # a kept connection that died since the check is found here (CONN_HEALTH_CHECKS), not mid-page
        replica.close_if_health_check_failed()
        replica.ensure_connection()
    except DatabaseError as error:
        _verdict = (now, False)
        logger.warning("The replica does not answer (%s): heavy reads go to the primary.", error)
        return False
    return True


def _check() -> bool:
    replica = connections[REPLICA]
    try:
        with replica.cursor() as cursor:
            cursor.execute(LAG)
            lag = cursor.fetchone()[0]
    except DatabaseError as error:
        replica.close()
        logger.warning("The replica does not answer (%s): heavy reads go to the primary.", error)
        return False
    bound = settings.DATABASE_REPLICA_MAX_LAG_SECONDS
    if lag is None or lag > bound:
        behind = "is not a streaming standby" if lag is None else f"is {lag:.1f} s behind (bound {bound} s)"
        logger.warning("The replica %s: heavy reads go to the primary.", behind)
        return False
    return True


class PinningMiddleware:
    """Read-after-write: a write request reads only from the primary, and so does every request of the same
    browser for DATABASE_REPLICA_MAX_LAG_SECONDS after it (a cookie; with no replica configured, none)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        writes = request.method not in SAFE_METHODS
        token = _pinned.set(writes or PIN_COOKIE in request.COOKIES)
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if writes and configured():
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_MAX_LAG_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


class PrimaryReplicaRouter:
    """Writes always go to the primary, even of an object read from the replica (the replica refuses them);
    reads go where they were sent (the primary unless ``read_alias()`` chose the replica); the two hold the
    same rows, so objects of both may be related; migrations run on the primary only, the replica follows."""

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        pair = (DEFAULT_DB_ALIAS, REPLICA)
        return True if obj1._state.db in pair and obj2._state.db in pair else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
