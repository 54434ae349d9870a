"""Per-process memory of what rarely changes between calls: a user's LLM
settings, their project's policy, their spend limit.

Values are kept at most `ttl` seconds per key (other processes' changes show
within it) and are dropped at once when this process writes one of the tables
they come from (`watch_writes`). Concurrent loads of one key share one load,
so twenty calls starting together read the database once.
"""

from __future__ import annotations

import asyncio
import re
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import AsyncEngine

V = TypeVar("V")

# Statements that can change a route, a key or a limit.
_POLICY_WRITE = re.compile(
    r"\s*(?:UPDATE|INSERT INTO|DELETE FROM)\s+\"?"
    r"(?:users|user_llm_settings|projects|teams)\b",
    re.IGNORECASE,
)


class _Generation:
    value = 0


def policy_generation() -> int:
    return _Generation.value


def _bump() -> None:
    _Generation.value += 1


_watched: weakref.WeakSet[Engine] = weakref.WeakSet()


def watch_writes(engine: AsyncEngine) -> None:
    """Forget remembered values when `engine` writes a table they come from
    (when the statement runs and again when it commits)."""
    sync = engine.sync_engine
    if sync in _watched:
        return
    _watched.add(sync)

    @event.listens_for(sync, "before_cursor_execute")
    def statement(
        conn: Any, cursor: Any, text: str, params: Any, context: Any, many: bool
    ) -> None:
        if _POLICY_WRITE.match(text):
            conn.info["sight.llm.policy_write"] = True
            _bump()

    @event.listens_for(sync, "commit")
    def committed(conn: Any) -> None:
        if conn.info.pop("sight.llm.policy_write", False):
            _bump()

    @event.listens_for(sync, "rollback")
    def rolled_back(conn: Any) -> None:
        # An invalidated connection (a statement cut off by a cancellation)
        # raises on `info`; its flag is discarded with it.
        if not conn.invalidated:
            conn.info.pop("sight.llm.policy_write", None)


async def shared(
    loads: dict[Hashable, asyncio.Future[V]],
    key: Hashable,
    load: Callable[[], Awaitable[V]],
) -> V:
    """`load()`, or the result of the same key's load already running."""
    while (running := loads.get(key)) is not None:
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not running.cancelled() or (task is not None and task.cancelling()):
                raise
            # The caller that was loading was cancelled, not us: load again.
    future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
    loads[key] = future
    try:
        value = await load()
    except asyncio.CancelledError:
        future.cancel()
        raise
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: no "never retrieved" warning
        raise
    else:
        future.set_result(value)
        return value
    finally:
        if loads.get(key) is future:
            del loads[key]


class Recent(Generic[V]):
    def __init__(self, ttl: float, *, max_size: int = 10_000) -> None:
        self.ttl = ttl
        self._max_size = max_size
        # key -> (value, loaded at (monotonic), generation when the load began)
        self._values: dict[Hashable, tuple[V, float, int]] = {}
        self._loads: dict[Hashable, asyncio.Future[V]] = {}

    async def get(self, key: Hashable, load: Callable[[], Awaitable[V]]) -> V:
        kept = self._values.get(key)
        if kept is not None:
            value, at, generation = kept
            fresh = time.monotonic() - at < self.ttl
            if fresh and generation == policy_generation():
                return value

        async def loaded() -> V:
            generation = policy_generation()
            value = await load()
            if len(self._values) >= self._max_size:
                self._values.clear()
            self._values[key] = (value, time.monotonic(), generation)
            return value

        return await shared(self._loads, key, loaded)
