"""The embedded server's memory settings reach PostgreSQL, on a new data
dir and on an existing one at its next start; its shared buffers survive a
restart."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from sight.config import Settings
from sight.embedded_postgres import (
    EmbeddedPostgres,
    memory_mb,
    server_settings,
    shared_buffers_setting,
)


def _show(url: str, name: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute(f"SHOW {name}").fetchone()
    assert row is not None
    return str(row[0])


def test_the_server_runs_with_the_configured_shared_buffers(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pg", shared_buffers="144MB")
    url = server.start()
    try:
        assert _show(url, "shared_buffers") == "144MB"
        cache_mb = int(server_settings()["effective_cache_size"].removesuffix("MB"))
        assert _show(url, "effective_cache_size") == (
            f"{cache_mb // 1024}GB" if cache_mb % 1024 == 0 else f"{cache_mb}MB"
        )
    finally:
        server.stop()
    # An existing data dir gets a changed setting at its next start.
    again = EmbeddedPostgres(tmp_path / "pg", shared_buffers="160MB")
    url = again.start()
    try:
        assert not again.created
        assert _show(url, "shared_buffers") == "160MB"
    finally:
        again.stop()


def _cached_blocks(url: str) -> tuple[int, int]:
    """(blocks of table `t` in shared buffers, blocks of `t`), read from
    pg_buffercache without touching `t` itself."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_buffercache")
        row = conn.execute(
            "SELECT (SELECT count(*) FROM pg_buffercache b"
            "        WHERE b.relfilenode = pg_relation_filenode('t')"
            "          AND b.reldatabase = (SELECT oid FROM pg_database"
            "                               WHERE datname = current_database())),"
            " pg_relation_size('t') / current_setting('block_size')::int"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def test_shared_buffers_are_restored_after_a_restart(tmp_path: Path) -> None:
    """A table read before a restart is in shared buffers again after it
    (autoprewarm), before anything reads it."""
    server = EmbeddedPostgres(tmp_path / "pg", shared_buffers="128MB")
    url = server.start()
    try:
        assert _show(url, "shared_preload_libraries") == "pg_prewarm"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE t AS SELECT n, repeat('x', 200) AS pad"
                " FROM generate_series(1, 20000) n"
            )
            conn.execute("SELECT count(*) FROM t")
        cached, blocks = _cached_blocks(url)
        assert blocks > 500
        assert cached == blocks
    finally:
        server.stop()  # autoprewarm writes its block list at shutdown
    assert (tmp_path / "pg" / "pgdata" / "autoprewarm.blocks").exists()
    again = EmbeddedPostgres(tmp_path / "pg", shared_buffers="128MB")
    url = again.start()
    try:
        # The blocks come back in the background after the start.
        deadline = time.monotonic() + 30
        while (
            cached := _cached_blocks(url)[0]
        ) < blocks and time.monotonic() < deadline:
            time.sleep(0.2)
        assert cached == blocks
    finally:
        again.stop()


def test_auto_is_a_quarter_of_the_memory_within_bounds() -> None:
    quarter = memory_mb() // 4
    assert shared_buffers_setting("auto") == f"{max(128, min(2048, quarter))}MB"
    assert shared_buffers_setting(" 1GB ") == "1GB"
    with pytest.raises(ValueError, match="shared_buffers"):
        shared_buffers_setting("1GB'; include '/etc/passwd")


def test_the_setting_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIGHT_PG_SHARED_BUFFERS", "256MB")
    assert Settings(_env_file=None).pg_shared_buffers == "256MB"  # type: ignore[call-arg]
    monkeypatch.setenv("SIGHT_PG_SHARED_BUFFERS", "lots")
    with pytest.raises(ValueError, match="SIGHT_PG_SHARED_BUFFERS"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    # PostgreSQL's units are case-sensitive: "512mb" would stop the server's
    # start, so the setting refuses it up front.
    monkeypatch.setenv("SIGHT_PG_SHARED_BUFFERS", "512mb")
    with pytest.raises(ValueError, match="SIGHT_PG_SHARED_BUFFERS"):
        Settings(_env_file=None)  # type: ignore[call-arg]
