"""Serving streams live: one LISTEN connection per process, shared reads, SSE.

Many subscribers of one stream cost little: a notification wakes them all, and
subscribers at the same position share one read of the table instead of one
query each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import psycopg
from fastapi.sse import ServerSentEvent
from pydantic import BaseModel, TypeAdapter

from sight.postgres import SessionMaker
from sight.streams.events import (
    TERMINAL_EVENT_TYPES,
    HeartbeatEvent,
    event_data,
)
from sight.streams.models import StreamEvent
from sight.streams.store import CHANNEL, StreamKey, events_after

logger = logging.getLogger("sight.streams")

# Largest value a bigint event id can take: a bound for `after` parameters.
MAX_EVENT_ID = 2**63 - 1


class EventBroadcaster:
    """Fans PostgreSQL notifications out to the streams served by this process."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._reads: dict[tuple[str, int], asyncio.Future[list[StreamEvent]]] = {}
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen_forever(), name="event-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @contextlib.contextmanager
    def subscribe(self, key: StreamKey) -> Iterator[asyncio.Event]:
        wake = asyncio.Event()
        name = key.channel_payload
        self._waiters[name].add(wake)
        try:
            yield wake
        finally:
            self._waiters[name].discard(wake)
            if not self._waiters[name]:
                del self._waiters[name]

    async def shared_read(
        self,
        key: StreamKey,
        after_id: int,
        read: Callable[[int], Awaitable[list[StreamEvent]]],
    ) -> list[StreamEvent]:
        """One query for every subscriber of `key` waiting at `after_id`."""
        slot = (key.channel_payload, after_id)
        pending = self._reads.get(slot)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[list[StreamEvent]] = (
            asyncio.get_running_loop().create_future()
        )
        self._reads[slot] = future
        try:
            rows = await read(after_id)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning
            raise
        else:
            future.set_result(rows)
            return rows
        finally:
            del self._reads[slot]

    async def _listen_forever(self) -> None:
        delay = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    delay = 0.5
                    # Anything missed while reconnecting is caught by the streams'
                    # periodic re-read; wake them all now to be prompt.
                    self._wake_all()
                    async for note in conn.notifies():
                        for wake in self._waiters.get(note.payload, ()):
                            wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.connected.clear()
                logger.warning(
                    "event listener lost its connection; retrying in %.1fs", delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    def _wake_all(self) -> None:
        for waiters in self._waiters.values():
            for wake in waiters:
                wake.set()


async def stored_events(
    *,
    key: StreamKey,
    after_id: int,
    broadcaster: EventBroadcaster,
    sessionmaker: SessionMaker,
    finished: Callable[[], Awaitable[bool]],
    heartbeat_seconds: float,
) -> AsyncIterator[tuple[int | None, str, dict[str, Any]]]:
    """Yield (id, type, data) from `after_id` on, live, until a terminal event.

    Reads use short sessions of their own, so no connection is held while the
    client is idle. A client that reconnects after the end (nothing left to
    send, `finished()` true) gets an empty, closed stream instead of heartbeats.
    """

    async def read(after: int) -> list[StreamEvent]:
        async with sessionmaker() as session:
            return await events_after(session, key, after)

    with broadcaster.subscribe(key) as wake:
        last = after_id
        while True:
            wake.clear()
            batch = await broadcaster.shared_read(key, last, read)
            for event in batch:
                last = event.id
                yield event.id, event.type, event.data
                if event.type in TERMINAL_EVENT_TYPES:
                    return
            if batch:
                continue
            if await finished():
                # Re-read once: the terminal event may have been committed
                # between the read above and the check.
                if not await read(last):
                    return
                continue
            try:
                await asyncio.wait_for(wake.wait(), timeout=heartbeat_seconds)
            except TimeoutError:
                yield None, "heartbeat", event_data(HeartbeatEvent.now())


async def sse_events(
    state: Any,
    key: StreamKey,
    *,
    last_event_id: str | None,
    after: int | None,
    finished: Callable[[], Awaitable[bool]],
) -> AsyncIterator[ServerSentEvent]:
    """The SSE body of a stream endpoint: replay after `after` / `Last-Event-ID`,
    then live events, heartbeats, and the end after a terminal event.

    `state` is the app's `AppState` (typed loosely to keep this package below
    `deps`).
    """
    start = after if after is not None else parse_event_id(last_event_id)
    async for event_id, type_, data in stored_events(
        key=key,
        after_id=start,
        broadcaster=state.broadcaster,
        sessionmaker=state.sessionmaker,
        finished=finished,
        heartbeat_seconds=state.settings.sse_heartbeat_seconds,
    ):
        yield ServerSentEvent(
            id=str(event_id) if event_id is not None else None, event=type_, data=data
        )


def parse_event_id(value: str | None) -> int:
    """A `Last-Event-ID` header as an event id; anything unusable starts over."""
    try:
        parsed = int(value) if value else 0
    except ValueError:
        return 0
    return parsed if 0 <= parsed <= MAX_EVENT_ID else 0


# Event models named in stream routes; merged into /openapi.json's components.
_STREAM_SCHEMAS: dict[str, dict[str, Any]] = {}


def stream_openapi(union: Any, description: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a stream route: documents the event union in /openapi.json.

    Every SSE `data` is one member of `union` (discriminated by `type`); the
    members become named schemas, so the generated TypeScript types can name
    each event. `add_stream_schemas` puts them into the document.
    """
    schema = TypeAdapter(union).json_schema(ref_template="#/components/schemas/{model}")
    _STREAM_SCHEMAS.update(schema.pop("$defs", {}))
    return {
        200: {
            "description": description,
            "content": {"text/event-stream": {"schema": schema}},
        }
    }


def add_stream_schemas(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in _STREAM_SCHEMAS.items():
        schemas.setdefault(name, schema)
    return document


def validate_event(union: Any, type_: str, data: dict[str, Any]) -> BaseModel:
    """Build a declared event from its type and fields (unknown types fail)."""
    event: BaseModel = TypeAdapter(union).validate_python({**data, "type": type_})
    return event
