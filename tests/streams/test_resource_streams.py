"""The stream contract on a resource stream of a domain added by one
registration (the toy domain in tests/fixtures/toy): typed events in
/openapi.json, access through the one policy, replay, ordering, monotonic
progress, many listeners."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine

from sight import db, streams
from sight.domains import DOMAINS
from sight.embedded_postgres import EmbeddedPostgres
from sight.kit.models import Base
from sight.postgres import create_engine as create_async_engine
from sight.postgres import create_sessionmaker, sqlalchemy_url
from tests.conftest import create_database, make_settings, register_user
from tests.fixtures.servers import LiveServer
from tests.fixtures.toy import DOMAIN as TOY
from tests.streams.sse import read_stream


@pytest.fixture(scope="module")
def toy_database(pg_cluster: EmbeddedPostgres) -> Iterator[str]:
    url = create_database(pg_cluster, f"sight_toy_{uuid.uuid4().hex[:8]}")
    db.upgrade(url)
    from tests.fixtures.toy.models import Note

    engine = create_engine(sqlalchemy_url(url))
    Note.__table__.create(engine)  # type: ignore[attr-defined]
    engine.dispose()
    yield url
    # The toy is not part of Sight's schema: keep it out of the migrations check.
    Base.metadata.remove(Note.__table__)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def toy_server(toy_database: str, redis_url: str) -> Iterator[LiveServer]:
    from sight.app import create_app

    app = create_app(
        make_settings(redis_url=redis_url),
        database_url=toy_database,
        domains=(*DOMAINS, TOY),
    )
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def toy(toy_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=toy_server.url, timeout=30) as http:
        yield http


async def _project(client: httpx.AsyncClient, auth: str) -> str:
    created = await client.post(
        "/api/v1/projects",
        json={"name": "Toy", "target_demographics": {}},
        headers={"Authorization": auth},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_one_registration_mounts_routes_tables_tasks_and_typed_stream(
    toy: httpx.AsyncClient,
) -> None:
    spec = (await toy.get("/openapi.json")).json()
    route = spec["paths"]["/api/v1/projects/{project_id}/toy-notes/events"]["get"]
    stream_schema = route["responses"]["200"]["content"]["text/event-stream"]["schema"]
    mapping = stream_schema["discriminator"]["mapping"]
    assert mapping["note_added"] == "#/components/schemas/NoteAdded"
    assert "NoteAdded" in spec["components"]["schemas"]

    owner = await register_user(toy)
    auth = owner["authorization"]
    project = await _project(toy, auth)
    base = f"/api/v1/projects/{project}/toy-notes"
    for text in ("first", "second", "third"):
        added = await toy.post(
            base, json={"text": text}, headers={"Authorization": auth}
        )
        assert added.status_code == 201, added.text

    events = await read_stream(toy, f"{base}/events", auth, stop_after=3)
    assert [e["event"] for e in events] == ["note_added"] * 3
    assert [e["data"]["text"] for e in events] == ["first", "second", "third"]
    assert all(e["data"]["type"] == e["event"] for e in events)
    ids = [int(e["id"]) for e in events]
    assert ids == sorted(ids)

    # Replay: reconnecting after the first event gets exactly the rest.
    replay = await read_stream(
        toy, f"{base}/events", auth, last_event_id=events[0]["id"], stop_after=2
    )
    assert [e["data"]["text"] for e in replay] == ["second", "third"]

    # A job of the toy domain: progress on the job stream, completion on the
    # resource stream, which then closes.
    started = await toy.post(f"{base}/shout", headers={"Authorization": auth})
    assert started.status_code == 202, started.text
    job_events = await read_stream(
        toy, f"/api/v1/jobs/{started.json()['job_id']}/events", auth
    )
    progress = [e["data"] for e in job_events if e["event"] == "progress"]
    assert [p["done"] for p in progress] == [1, 2, 3]
    assert {p["stage"] for p in progress} == {"notes"}
    assert job_events[-1]["event"] == "completed"
    tail = await read_stream(
        toy, f"{base}/events", auth, last_event_id=events[-1]["id"]
    )
    assert [e["event"] for e in tail] == ["completed"]
    assert tail[0]["data"]["result"] == {"shouted": 3}


async def test_others_get_404_for_the_resource_and_its_stream(
    toy: httpx.AsyncClient,
) -> None:
    owner = await register_user(toy)
    stranger = await register_user(toy)
    project = await _project(toy, owner["authorization"])
    base = f"/api/v1/projects/{project}/toy-notes"
    other = {"Authorization": stranger["authorization"]}
    assert (await toy.post(base, json={"text": "x"}, headers=other)).status_code == 404
    assert (await toy.get(f"{base}/events", headers=other)).status_code == 404
    assert (await toy.post(f"{base}/shout", headers=other)).status_code == 404
    missing = f"/api/v1/projects/{uuid.uuid4()}/toy-notes/events"
    owner_auth = {"Authorization": owner["authorization"]}
    assert (await toy.get(missing, headers=owner_auth)).status_code == 404


async def test_many_listeners_each_get_every_event(toy: httpx.AsyncClient) -> None:
    owner = await register_user(toy)
    auth = owner["authorization"]
    project = await _project(toy, auth)
    base = f"/api/v1/projects/{project}/toy-notes"

    listeners = [
        asyncio.create_task(read_stream(toy, f"{base}/events", auth, stop_after=5))
        for _ in range(40)
    ]
    await asyncio.sleep(0.5)
    for n in range(5):
        await toy.post(base, json={"text": f"n{n}"}, headers={"Authorization": auth})
    results = await asyncio.wait_for(asyncio.gather(*listeners), timeout=30)
    for received in results:
        assert [e["data"]["text"] for e in received] == [f"n{n}" for n in range(5)]


async def test_progress_never_goes_back_and_clamps_to_total(
    toy_database: str,
) -> None:
    engine = create_async_engine(toy_database)
    sessionmaker = create_sessionmaker(engine)
    key = streams.StreamKey("toy_progress", uuid.uuid4())
    stored: list[dict[str, Any]] = []
    try:
        for done in (2, 5, 3, 9, 4):
            async with sessionmaker() as session:
                event = await streams.publish(
                    session, key, streams.ProgressEvent(stage="x", done=done, total=8)
                )
                await session.commit()
            stored.append(event.model_dump())
        async with sessionmaker() as session:
            other_stage = await streams.publish(
                session, key, streams.ProgressEvent(stage="y", done=1, total=8)
            )
            await session.commit()
    finally:
        await engine.dispose()
    assert [e["done"] for e in stored] == [2, 5, 5, 8, 8]
    assert stored[-1]["fraction"] == 1.0
    assert other_stage.done == 1  # stages are counted separately
    with psycopg.connect(toy_database) as conn:
        rows = conn.execute(
            "SELECT data->>'done' FROM stream_events WHERE stream_id = %s ORDER BY id",
            (key.id,),
        ).fetchall()
    assert [int(r[0]) for r in rows] == [2, 5, 5, 8, 8, 1]
