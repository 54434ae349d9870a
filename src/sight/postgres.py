"""PostgreSQL engine and sessions (SQLAlchemy async over psycopg 3).

One commit per request: `get_db_session` commits after the endpoint returns and
rolls back on error. Background code opens short sessions with `session_scope`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SessionMaker = async_sessionmaker[AsyncSession]

logger = logging.getLogger("sight.postgres")


def sqlalchemy_url(url: str) -> str:
    """Any `postgres://`/`postgresql://` URL as SQLAlchemy's psycopg 3 dialect."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgresql+psycopg2", "postgresql+asyncpg"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The same URL as plain libpq understands it (for psycopg and procrastinate)."""
    parsed = make_url(sqlalchemy_url(url)).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


# A connection idle for longer than this is pinged before use (a restarted or
# failed-over server, a proxy that dropped it); one in steady use is not: the
# ping is a round trip, and on a busy API it was one in five of a read's.
PING_AFTER_IDLE_SECONDS = 5.0


def create_engine(
    url: str, *, pool_size: int = 10, autocommit: bool = False
) -> AsyncEngine:
    """`autocommit`: every connection of the pool stays in autocommit mode (an
    engine for reads only; see `sight.app`)."""
    import orjson

    engine = create_async_engine(
        sqlalchemy_url(url),
        # jsonb columns are read on most requests; orjson parses them 3-5x
        # faster than json (same values).
        json_deserializer=orjson.loads,
        # At most 2 x pool_size connections, all kept once opened: with
        # overflow connections, a burst above pool_size opened and closed a
        # connection per request (a PostgreSQL backend started each time).
        pool_size=2 * pool_size,
        max_overflow=0,
        pool_recycle=1800,
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool discards this connection and checks out another.
            raise DisconnectionError("stale connection") from exc
        if not alive:
            raise DisconnectionError("stale connection")


def create_sessionmaker(
    engine: AsyncEngine, *, autocommit: bool = False
) -> SessionMaker:
    """Sessions on `engine`; `autocommit` for requests that only read (no
    BEGIN/COMMIT round trips; the pool restores the mode on check-in)."""
    bind = (
        engine.execution_options(isolation_level="AUTOCOMMIT") if autocommit else engine
    )
    return async_sessionmaker(bind, expire_on_commit=False)


@asynccontextmanager
async def session_scope(sessionmaker: SessionMaker) -> AsyncIterator[AsyncSession]:
    """A short unit of work: commit on success, roll back on error."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException as failure:
            try:
                await session.rollback()
            except Exception:
                # The connection broke with the work (a statement cut off by a
                # cancellation): closing the session discards it. The work's own
                # error, often that cancellation, is what the caller must see.
                logger.warning(
                    "rollback after %s failed", type(failure).__name__, exc_info=True
                )
            raise
