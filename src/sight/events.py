"""Live job events: rows in `job_events` + `pg_notify`, streamed as SSE.

Event types (the `event:` field of the stream; `data` is a JSON object):
- `status`     job status changed: `{"status", "attempt"}`
- `progress`   `{"done", "total", "fraction", "message"}`
- `log`        a human-readable line: `{"message"}`
- `item`       a domain item was produced (persona saved, answer given, ...)
- `heartbeat`  nothing new; the connection is alive: `{"at"}`
- `completed` | `failed` | `cancelled`  terminal, the stream ends after it
- `error`      the stream itself failed (not the job): `{"detail"}`

Every stored event has a monotonically increasing id used as the SSE `id`, so a
client reconnecting with `Last-Event-ID` gets exactly what it missed, from any
API instance. `pg_notify` only wakes listeners; the table is the source of truth.

Ids come from a sequence, and with concurrent writers a lower id can commit after
a higher one; a reader that already passed the higher id would never see it.
`publish` therefore takes a per-job transaction-scoped advisory lock before
inserting, so within one job ids are assigned and committed in the same order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from sight.jobs.models import JobEvent

logger = logging.getLogger("sight.events")

CHANNEL = "sight_job_events"
TERMINAL_EVENT_TYPES = frozenset({"completed", "failed", "cancelled"})


async def publish(
    session: AsyncSession, job_id: uuid.UUID, type_: str, data: dict[str, Any]
) -> None:
    """Store an event; listeners are notified when the transaction commits."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(job_id)}
    )
    session.add(JobEvent(job_id=job_id, type=type_, data=data))
    await session.flush()
    await session.execute(
        text("SELECT pg_notify(:channel, :payload)"),
        {"channel": CHANNEL, "payload": str(job_id)},
    )


def _lock_key(job_id: uuid.UUID) -> int:
    # A signed 64-bit key derived from the job id (collisions only serialise).
    return int.from_bytes(job_id.bytes[:8], "big", signed=True)


async def events_after(
    session: AsyncSession, job_id: uuid.UUID, after_id: int, limit: int = 500
) -> list[JobEvent]:
    rows = await session.scalars(
        select(JobEvent)
        .where(JobEvent.job_id == job_id, JobEvent.id > after_id)
        .order_by(JobEvent.id)
        .limit(limit)
    )
    return list(rows)


class EventBroadcaster:
    """One LISTEN connection per process, fanning notifications out to streams."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
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
    def subscribe(self, job_id: uuid.UUID) -> Any:
        wake = asyncio.Event()
        key = str(job_id)
        self._waiters[key].add(wake)
        try:
            yield wake
        finally:
            self._waiters[key].discard(wake)
            if not self._waiters[key]:
                del self._waiters[key]

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


def heartbeat_data() -> dict[str, Any]:
    return {"at": datetime.now(UTC).isoformat()}


async def stream_job_events(
    *,
    job_id: uuid.UUID,
    after_id: int,
    broadcaster: EventBroadcaster,
    read_events: Any,
    job_finished: Any,
    heartbeat_seconds: float,
) -> AsyncIterator[tuple[int | None, str, dict[str, Any]]]:
    """Yield (id, type, data) from `after_id` on, live, until a terminal event.

    `read_events(after_id)` and `job_finished()` open their own short sessions so
    no connection is held while the client is idle. A client that reconnects
    after the terminal event (nothing left to send, job over) gets an empty,
    closed stream instead of heartbeats forever.
    """
    with broadcaster.subscribe(job_id) as wake:
        last = after_id
        while True:
            wake.clear()
            batch: list[JobEvent] = await read_events(last)
            for event in batch:
                last = event.id
                yield event.id, event.type, event.data
                if event.type in TERMINAL_EVENT_TYPES:
                    return
            if batch:
                continue
            if await job_finished():
                # Re-read once: the terminal event may have been committed
                # between the read above and the status check.
                if not await read_events(last):
                    return
                continue
            try:
                await asyncio.wait_for(wake.wait(), timeout=heartbeat_seconds)
            except TimeoutError:
                yield None, "heartbeat", heartbeat_data()
