"""Writing and reading stream events: rows in `stream_events` + `pg_notify`.

A stream belongs to a job or to a resource (`StreamKey(kind, id)`). Every stored
event has an increasing id used as the SSE id, so a client reconnecting with
`Last-Event-ID` gets exactly what it missed, from any API instance. `pg_notify`
only wakes listeners; the table is the source of truth.

Ids come from a sequence, and with concurrent writers a lower id can commit after
a higher one; a reader that already passed the higher id would never see it.
`publish` therefore takes a per-stream transaction-scoped advisory lock before
inserting, so within one stream ids are assigned and committed in the same order.
The same lock makes the progress clamp (never backwards) exact.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sight.streams.events import ProgressEvent, event_data
from sight.streams.models import StreamEvent, StreamProgress

CHANNEL = "sight_stream_events"
E = TypeVar("E", bound=BaseModel)


@dataclass(frozen=True)
class StreamKey:
    kind: str
    id: uuid.UUID

    @property
    def channel_payload(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def job(cls, job_id: uuid.UUID) -> StreamKey:
        return cls("job", job_id)


async def publish(session: AsyncSession, key: StreamKey, event: E) -> E:
    """Store an event in the caller's transaction; listeners wake on commit.

    Write the domain change and its event in the same session, so a crash can
    lose neither alone. Returns the event as stored (progress may be clamped).
    """
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(key)}
    )
    if isinstance(event, ProgressEvent):
        event = await _monotonic(session, key, event)  # type: ignore[assignment]
    data = event_data(event)
    row = StreamEvent(
        stream_kind=key.kind, stream_id=key.id, type=data["type"], data=data
    )
    session.add(row)
    await session.flush()
    await session.execute(
        text("SELECT pg_notify(:channel, :payload)"),
        {"channel": CHANNEL, "payload": key.channel_payload},
    )
    return event


async def publish_many(
    session: AsyncSession, key: StreamKey, events: Sequence[BaseModel]
) -> list[BaseModel]:
    """`publish` for several events of one stream at once, in order: one lock,
    one multi-row insert and one notification instead of three or four round
    trips per event (a batch of answers committed together)."""
    if not events:
        return []
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(key)}
    )
    stored: list[BaseModel] = []
    for event in events:
        if isinstance(event, ProgressEvent):
            event = await _monotonic(session, key, event)
        stored.append(event)
    rows = []
    for event in stored:
        data = event_data(event)
        rows.append(
            {
                "stream_kind": key.kind,
                "stream_id": key.id,
                "type": data["type"],
                "data": data,
            }
        )
    # One statement: the identity assigns ids in the rows' order.
    await session.execute(insert(StreamEvent).values(rows))
    await session.execute(
        text("SELECT pg_notify(:channel, :payload)"),
        {"channel": CHANNEL, "payload": key.channel_payload},
    )
    return stored


async def _monotonic(
    session: AsyncSession, key: StreamKey, event: ProgressEvent
) -> ProgressEvent:
    # Concurrent workers report counts that commit out of order; keep the highest.
    statement = insert(StreamProgress).values(
        stream_kind=key.kind,
        stream_id=key.id,
        stage=event.stage,
        done=event.done,
        total=event.total,
    )
    upsert = statement.on_conflict_do_update(
        index_elements=["stream_kind", "stream_id", "stage"],
        set_={
            "done": func.greatest(StreamProgress.done, statement.excluded.done),
            "total": statement.excluded.total,
        },
    ).returning(StreamProgress.done)
    done = int((await session.execute(upsert)).scalar_one())
    done = min(done, event.total) if event.total else done
    fraction = 0.0 if event.total <= 0 else min(1.0, done / event.total)
    return event.model_copy(update={"done": done, "fraction": fraction})


def _lock_key(key: StreamKey) -> int:
    # A signed 64-bit key derived from the stream id (collisions only serialise).
    return int.from_bytes(key.id.bytes[:8], "big", signed=True)


async def events_after(
    session: AsyncSession, key: StreamKey, after_id: int, limit: int = 500
) -> list[StreamEvent]:
    rows = await session.scalars(
        select(StreamEvent)
        .where(
            StreamEvent.stream_kind == key.kind,
            StreamEvent.stream_id == key.id,
            StreamEvent.id > after_id,
        )
        .order_by(StreamEvent.id)
        .limit(limit)
    )
    return list(rows)


async def delete_stream(session: AsyncSession, key: StreamKey) -> None:
    """Forget a stream whose resource is deleted."""
    for table in (StreamEvent, StreamProgress):
        await session.execute(
            delete(table).where(
                table.stream_kind == key.kind, table.stream_id == key.id
            )
        )
