"""Several events of one stream written at once (`publish_many`): stored in
order, progress never going back, one notification for listeners."""

from __future__ import annotations

import uuid

import psycopg

from sight import streams
from sight.postgres import create_engine, create_sessionmaker, session_scope
from sight.streams.store import CHANNEL


def _job(database_url: str) -> uuid.UUID:
    with psycopg.connect(database_url, autocommit=True) as conn:
        user_id = conn.execute(
            "INSERT INTO users (id, email, full_name, password_hash, is_active)"
            " VALUES (gen_random_uuid(), %s, 'E', 'x', true) RETURNING id",
            (f"e-{uuid.uuid4().hex[:8]}@example.com",),
        ).fetchone()[0]  # type: ignore[index]
        job_id = conn.execute(
            "INSERT INTO jobs (id, user_id, kind, status, params, progress, checkpoint,"
            " attempts, cancel_requested) VALUES (gen_random_uuid(), %s, 'test', 'running',"
            " '{}', 0, '{}', 1, false) RETURNING id",
            (user_id,),
        ).fetchone()[0]  # type: ignore[index]
    return uuid.UUID(str(job_id))


async def test_events_are_stored_in_order_with_one_notification(
    database_url: str,
) -> None:
    key = streams.StreamKey.job(_job(database_url))
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine)
    try:
        with psycopg.connect(database_url, autocommit=True) as listener:
            listener.execute(f"LISTEN {CHANNEL}")
            async with session_scope(sessionmaker) as session:
                await streams.publish(
                    session, key, streams.ProgressEvent(stage="s", done=5, total=9)
                )
            async with session_scope(sessionmaker) as session:
                stored = await streams.publish_many(
                    session,
                    key,
                    [
                        *(
                            streams.ItemEvent(stage="made", n=n)  # type: ignore[call-arg]
                            for n in range(5)
                        ),
                        # A late, lower count is clamped to the highest so far.
                        streams.ProgressEvent(stage="s", done=3, total=9),
                    ],
                )
            notes = list(listener.notifies(timeout=1.0))
        async with sessionmaker() as session:
            events = await streams.events_after(session, key, 0)
    finally:
        await engine.dispose()
    assert [e.type for e in events] == ["progress", *["item"] * 5, "progress"]
    assert [e.data["n"] for e in events if e.type == "item"] == [0, 1, 2, 3, 4]
    assert [e.id for e in events] == sorted(e.id for e in events)
    assert events[-1].data["done"] == 5
    assert stored[-1].done == 5  # type: ignore[attr-defined]
    # Listeners are woken once per commit, whatever the number of events.
    assert len(notes) == 2
    assert {n.payload for n in notes} == {key.channel_payload}


async def test_nothing_to_publish_writes_nothing(database_url: str) -> None:
    key = streams.StreamKey.job(_job(database_url))
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with session_scope(sessionmaker) as session:
            assert await streams.publish_many(session, key, []) == []
        async with sessionmaker() as session:
            assert await streams.events_after(session, key, 0) == []
    finally:
        await engine.dispose()
