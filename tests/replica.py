"""A real streaming replica of the test database's PostgreSQL server, for the replica router's tests.

``pg_basebackup -R -X stream`` of the primary into a temporary folder, then a second server of the primary's
own binaries on a free port, run as the primary's own OS user (PostgreSQL refuses root). Physical replication
copies the whole server, so it is taken once the test database exists; every commit then streams to it.
The primary must be on this machine; a server without a replication rule in its pg_hba.conf gets one for
loopback (local connections are already trusted there, as on a fresh CI machine).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

HBA_RULE = "# the portal's test suite: a streaming replica of this server (tests/replica.py)\n{rule}\n"
SETTINGS_FROM_PRIMARY = (  # a hot standby needs at least the primary's
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


class NotLocal(Exception):
    """The primary is not a server of this machine that we may copy and run: the tests are skipped."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StreamingReplica:
    def __init__(self, primary: dict):
        """``primary``: the test database's Django settings (HOST, PORT, USER, NAME)."""
        self.primary = primary
        self.host = primary.get("HOST") or primary.get("OPTIONS", {}).get("host") or "127.0.0.1"
        self.folder: Path | None = None
        self.port = free_port()

    # -- the primary
    def primary_connection(self) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.primary.get("PORT") or 5432,
            user=self.primary.get("USER") or "postgres",
            dbname=self.primary["NAME"],
            autocommit=True,
        )

    def connection(self) -> psycopg.Connection:
        """A superuser connection to the replica's copy of the test database."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.primary.get("USER") or "postgres",
            dbname=self.primary["NAME"],
            autocommit=True,
        )

    def _server_files(self) -> tuple[Path, Path, Path]:
        """The primary's binaries folder, data directory and pg_hba.conf: it must run on this machine."""
        with self.primary_connection() as pg:
            pid, data, hba = pg.execute(
                "SELECT pg_backend_pid(), current_setting('data_directory'), current_setting('hba_file')"
            ).fetchone()
            try:  # while the connection is open: its server process ends with it
                binary = Path(os.readlink(f"/proc/{pid}/exe"))
            except OSError as error:
                where = f"PostgreSQL at {self.host} is not a process of this machine ({error})"
                raise NotLocal(where) from error
        if not Path(data).is_dir():
            raise NotLocal(f"PostgreSQL's data directory {data} is not on this machine")
        return binary.parent, Path(data), Path(hba)

    def _allow_replication(self, hba: Path) -> None:
        """A replication rule for our own connections, appended to pg_hba.conf if it has none; reloaded."""
        with self.primary_connection() as pg:
            rules = pg.execute(
                "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND error IS NULL"
            ).fetchone()[0]
            if rules:
                return
            rule = (
                "local replication all trust"
                if self.host.startswith("/")
                else f"host replication all {socket.gethostbyname(self.host)}/32 trust"
            )
            try:
                with hba.open("a") as f:
                    f.write(HBA_RULE.format(rule=rule))
            except OSError as error:
                raise NotLocal(f"{hba} has no replication rule and cannot be given one ({error})") from error
            pg.execute("SELECT pg_reload_conf()")

    def _as_owner(self, owner: str, command: list[str], **kwargs) -> subprocess.CompletedProcess:
        if os.geteuid() == 0 and owner != "root":
            command = ["runuser", "-u", owner, "--", *command]
        elif pwd.getpwuid(os.geteuid()).pw_name != owner:
            raise NotLocal(f"the server runs as {owner}; these tests cannot run a copy of it as that user")
        return subprocess.run(command, capture_output=True, text=True, cwd="/", **kwargs)  # noqa: S603

    # -- the replica
    def start(self) -> StreamingReplica:
        bindir, data, hba = self._server_files()
        owner = data.owner()
        self._allow_replication(hba)
        self._bindir, self._owner = bindir, owner
        backup = [
            str(bindir / "pg_basebackup"),
            *("-h", self.host, "-p", str(self.primary.get("PORT") or 5432)),
            *("-U", self.primary.get("USER") or "postgres"),
            *("-R", "-X", "stream", "--checkpoint=fast", "--no-sync"),
        ]
        for attempt in range(50):  # the reload that allows replication takes a moment to land
            self.folder = Path(tempfile.mkdtemp(prefix="portal-replica-"))  # mode 0700
            os.chown(self.folder, data.stat().st_uid, data.stat().st_gid)
            done = self._as_owner(owner, [*backup, "-D", str(self.folder)])
            if done.returncode == 0:
                break
            shutil.rmtree(self.folder, ignore_errors=True)
            if "pg_hba.conf" not in done.stderr or attempt == 49:
                raise RuntimeError(f"pg_basebackup failed: {done.stderr}")
            time.sleep(0.1)
        with self.primary_connection() as pg:
            names = ", ".join(f"'{n}'" for n in SETTINGS_FROM_PRIMARY)
            primary = pg.execute(
                f"SELECT name, setting FROM pg_settings WHERE name IN ({names})"  # noqa: S608 (constants)
            ).fetchall()
        config = {
            **dict(primary),
            "port": self.port,
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.folder}'",
            "hot_standby": "on",
            "shared_buffers": "'32MB'",
            "fsync": "off",  # a throwaway copy
            "hba_file": f"'{self.folder}/pg_hba.conf'",
            "ident_file": f"'{self.folder}/pg_ident.conf'",
        }
        # the data directory may bring the primary's own files (pgserver keeps them there): ours replace them
        (self.folder / "postgresql.conf").write_text("".join(f"{k} = {v}\n" for k, v in config.items()))
        (self.folder / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        (self.folder / "pg_ident.conf").write_text("")
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            shutil.chown(self.folder / name, owner)
        started = self._as_owner(
            owner,
            [str(bindir / "pg_ctl"), "-D", str(self.folder), "-l", str(self.folder / "log"), "-w", "start"],
        )
        if started.returncode != 0:
            log = (self.folder / "log").read_text() if (self.folder / "log").exists() else ""
            raise RuntimeError(f"the replica did not start: {started.stderr}{log}")
        self.wait_for_replay()
        return self

    def wait_for_replay(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary had committed when this was called."""
        with self.primary_connection() as pg:
            target = pg.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(psycopg.OperationalError), self.connection() as pg:
                if pg.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError("the replica did not catch up")
            time.sleep(0.02)

    def wait_for_receipt(self, timeout: float = 30) -> None:
        """Until the replica has received (not necessarily replayed) everything the primary committed."""
        with self.primary_connection() as pg:
            target = pg.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        with self.connection() as pg:
            while not pg.execute("SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", [target]).fetchone()[0]:
                if time.monotonic() > deadline:
                    raise TimeoutError("the replica did not receive the primary's WAL")
                time.sleep(0.02)

    def pause(self) -> None:
        with self.connection() as pg:
            pg.execute("SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        with self.connection() as pg:
            pg.execute("SELECT pg_wal_replay_resume()")

    def stop(self) -> None:
        if self.folder is None:
            return
        if (self.folder / "postmaster.pid").exists():
            stop = [str(self._bindir / "pg_ctl"), "-D", str(self.folder), "-m", "immediate", "-w", "stop"]
            self._as_owner(self._owner, stop)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None
