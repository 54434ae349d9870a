"""Serving streams live: one LISTEN connection per process, a shared tail, SSE.

Many subscribers of one stream cost little: a notification marks the stream's
tail stale and wakes its subscribers; the first to read fetches the new rows
once, and every subscriber takes what it has not seen from that shared, bounded
tail. A subscriber replaying from before the tail reads the table itself until
it catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
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
# Rows read from the table at once.
READ_BATCH = 500


Row = tuple[int, str, dict[str, Any]]
# Events a stream's shared tail keeps in memory (older ones are read from the table).
TAIL_SIZE = 2000


@dataclass
class _Tail:
    """The newest events of one stream, complete for every id after `start`."""

    start: int
    rows: list[Row] = field(default_factory=list)
    stale: bool = True
    subscribers: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def end(self) -> int:
        return self.rows[-1][0] if self.rows else self.start


class EventBroadcaster:
    """Fans PostgreSQL notifications out to the streams served by this process."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._tails: dict[str, _Tail] = {}
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
    def subscribe(self, key: StreamKey, after_id: int = 0) -> Iterator[asyncio.Event]:
        wake = asyncio.Event()
        name = key.channel_payload
        self._waiters[name].add(wake)
        tail = self._tails.get(name)
        if tail is None:
            tail = self._tails[name] = _Tail(start=after_id)
        tail.subscribers += 1
        try:
            yield wake
        finally:
            self._waiters[name].discard(wake)
            if not self._waiters[name]:
                del self._waiters[name]
            tail.subscribers -= 1
            if tail.subscribers == 0 and self._tails.get(name) is tail:
                del self._tails[name]

    async def read(
        self,
        key: StreamKey,
        after_id: int,
        read: Callable[[int], Awaitable[list[StreamEvent]]],
    ) -> list[Row]:
        """Events after `after_id`: from the shared tail when it covers them (one
        query per change for all subscribers), else from the table."""
        tail = self._tails.get(key.channel_payload)
        if tail is None or after_id < tail.start:
            return [_row(e) for e in await read(after_id)]
        async with tail.lock:
            if tail.stale:
                # Cleared before reading: a notification arriving meanwhile
                # marks it stale again, so nothing committed late is missed.
                tail.stale = False
                fresh = await read(tail.end)
                if len(fresh) >= READ_BATCH:  # more may be left behind
                    tail.stale = True
                tail.rows.extend(_row(e) for e in fresh)
                if len(tail.rows) > TAIL_SIZE:
                    dropped = tail.rows[: len(tail.rows) - TAIL_SIZE]
                    del tail.rows[: len(dropped)]
                    tail.start = dropped[-1][0]
        if after_id < tail.start:
            return [_row(e) for e in await read(after_id)]
        return [row for row in tail.rows if row[0] > after_id][:READ_BATCH]

    def mark_stale(self, key: StreamKey) -> None:
        tail = self._tails.get(key.channel_payload)
        if tail is not None:
            tail.stale = True

    def _notified(self, name: str) -> None:
        tail = self._tails.get(name)
        if tail is not None:
            tail.stale = True
        for wake in self._waiters.get(name, ()):
            wake.set()

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
                        self._notified(note.payload)
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
        for name in list(self._waiters):
            self._notified(name)


def _row(event: StreamEvent) -> Row:
    return event.id, event.type, event.data


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
            return await events_after(session, key, after, limit=READ_BATCH)

    with broadcaster.subscribe(key, after_id) as wake:
        last = after_id
        while True:
            wake.clear()
            batch = await broadcaster.read(key, last, read)
            for event_id, type_, data in batch:
                last = event_id
                yield event_id, type_, data
                if type_ in TERMINAL_EVENT_TYPES:
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
                # Re-read on every heartbeat: a notification lost while the
                # listener reconnected cannot stall the stream for good.
                broadcaster.mark_stale(key)
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
