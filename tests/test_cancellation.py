"""Stopping work in the middle of a statement: the caller sees the
cancellation, the connection goes back, and background writers really stop
(a focus group's cancel once hung here: the failed rollback of the cut-off
statement turned the cancellation into an error the writer's loop logged and
survived, and the room waited for it forever)."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from sqlalchemy import text

from sight.focus_groups.writers import DeltaWriter
from sight.llm.recent import watch_writes
from sight.postgres import create_engine, create_sessionmaker, session_scope
from sight.streams import StreamKey

# The test's own connections carry this name: the database is shared by the
# whole suite, and other tests' pools are not what is checked here.
APP = "sight-cancellation-test"


def _count(database_url: str, state: str, query: str = "%") -> int:
    """This test's sessions in `state` (a LIKE pattern)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = %s AND state LIKE %s AND query LIKE %s",
            (APP, state, query),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _sleeping(database_url: str) -> bool:
    return _count(database_url, "active", "SELECT pg_sleep(3)") > 0


def _open_transactions(database_url: str) -> int:
    return _count(database_url, "idle in transaction%")


async def _sleep_in_transaction(sessionmaker: object) -> None:
    async with session_scope(sessionmaker) as session:  # type: ignore[arg-type]
        await session.execute(text("SELECT pg_sleep(3)"))


async def test_cancelled_statement_ends_as_cancelled(database_url: str) -> None:
    engine = create_engine(f"{database_url}&application_name={APP}")
    watch_writes(engine)  # its rollback listener once raised on such connections
    sessionmaker = create_sessionmaker(engine)
    try:
        for _ in range(3):
            task = asyncio.create_task(_sleep_in_transaction(sessionmaker))
            await asyncio.sleep(0.3)
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=2.5)
            assert done, "the cancelled unit of work did not stop"
            with pytest.raises(asyncio.CancelledError):
                task.result()
        assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        # Nothing is left holding a transaction (and so its locks) open.
        await asyncio.sleep(0.5)
        assert _open_transactions(database_url) == 0
        assert not _sleeping(database_url)
        # The pool still works.
        async with session_scope(sessionmaker) as session:
            assert (await session.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()


async def test_delta_writer_stops_while_its_write_is_cut_off(
    database_url: str,
) -> None:
    import uuid

    engine = create_engine(f"{database_url}&application_name={APP}")
    watch_writes(engine)
    sessionmaker = create_sessionmaker(engine)
    writer = DeltaWriter(sessionmaker, StreamKey.job(uuid.uuid4()))
    writer.start()

    async def write(session: object) -> None:
        await session.execute(text("SELECT 1"))  # type: ignore[attr-defined]

    async def slow_progress(session: object) -> None:
        await session.execute(text("SELECT pg_sleep(3)"))  # type: ignore[attr-defined]

    writer.after_writes = slow_progress
    try:
        waiting = asyncio.create_task(writer.commit_with(write))
        for _ in range(100):  # until the batch is in its statement
            if _sleeping(database_url):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the writer never ran its batch")
        stopping = asyncio.ensure_future(writer.stop())
        # Not wait_for: its timeout cancels `stop`, and that second cancel
        # would let a stuck writer end after all.
        done, _ = await asyncio.wait({stopping}, timeout=2.5)
        assert done, "the writer kept running after it was stopped"
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
