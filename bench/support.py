"""Shared set-up for benchmarks: a throwaway embedded PostgreSQL with the schema,
a user, and a gateway pointed at the fake provider server."""

from __future__ import annotations

import contextlib
import platform
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from sight import db
from sight.embedded_postgres import EmbeddedPostgres


@contextlib.contextmanager
def fresh_database(
    data_dir: Path | None = None, shared_buffers: str = "auto"
) -> Iterator[str]:
    """A throwaway embedded PostgreSQL, or one kept in `data_dir` (made on
    first use, reused and upgraded after) for data that takes long to load;
    `shared_buffers` as SIGHT_PG_SHARED_BUFFERS."""
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="sight-bench-"))
            )
        server = EmbeddedPostgres(data_dir, shared_buffers=shared_buffers)
        url = server.start()
        try:
            db.upgrade(url)
            yield url
        finally:
            server.stop()


def insert_user(url: str) -> uuid.UUID:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO users (id, email, full_name, password_hash, is_active,"
            " monthly_budget_usd) VALUES (gen_random_uuid(), %s, 'Bench', 'x', true,"
            " 1000000) RETURNING id",
            (f"bench-{uuid.uuid4().hex[:8]}@example.com",),
        ).fetchone()
    if row is None:
        raise RuntimeError("could not create the benchmark user")
    return uuid.UUID(str(row[0]))


def machine() -> str:
    cpu = "unknown cpu"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    cores = subprocess.run(
        ["nproc"], capture_output=True, text=True, check=False
    ).stdout
    return (
        f"{cores.strip()} cores ({cpu}), Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d}"
    )


@contextlib.contextmanager
def fake_provider_process(latency: float, chunk_delay: float = 0.0) -> Iterator[str]:
    """The fake provider in its own process, so it does not share the GIL (and
    its CPU time) with the code being measured. Yields its base URL."""
    import socket
    import sys
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sight_testing.fake_llm",
            "--port",
            str(port),
            "--latency",
            str(latency),
            "--stream-chunk-delay",
            str(chunk_delay),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/_health", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def fake_stats(base: str) -> dict[str, object]:
    import httpx

    stats: dict[str, object] = httpx.get(
        f"{base}/_stats?requests=false", timeout=5
    ).json()
    return stats


def reset_fake_stats(base: str) -> None:
    import httpx

    httpx.post(f"{base}/_control", json={"reset_stats": True}, timeout=5)
