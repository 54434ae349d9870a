"""Live events under concurrent writers: a reader following a stream by id must
see every event, whatever order the writers commit in."""

from __future__ import annotations

import asyncio
import random
import uuid

import psycopg

from sight import streams
from sight.postgres import create_engine, create_sessionmaker


async def test_reader_misses_nothing_when_writers_commit_out_of_order(
    database_url: str,
) -> None:
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
    engine = create_engine(database_url, pool_size=25)
    sessionmaker = create_sessionmaker(engine)
    rng = random.Random(5)
    writers_done = asyncio.Event()
    seen: list[int] = []

    async def writer(n: int) -> None:
        async with sessionmaker() as session:
            await streams.publish(
                session,
                streams.StreamKey.job(job_id),
                streams.ItemEvent(stage="made", n=n),  # type: ignore[call-arg]
            )
            await asyncio.sleep(rng.uniform(0, 0.05))  # commit at a random moment
            await session.commit()

    async def reader() -> None:
        last = 0
        while True:
            done = writers_done.is_set()
            async with sessionmaker() as session:
                batch = await streams.events_after(
                    session, streams.StreamKey.job(job_id), last
                )
            for event in batch:
                last = event.id
                seen.append(int(event.data["n"]))
            if done and not batch:
                return
            await asyncio.sleep(0.005)

    try:
        reading = asyncio.create_task(reader())
        await asyncio.gather(*(writer(n) for n in range(60)))
        writers_done.set()
        await reading
    finally:
        await engine.dispose()
    assert sorted(seen) == list(range(60)), "the reader skipped events committed late"
