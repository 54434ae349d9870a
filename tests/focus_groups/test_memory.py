"""Persona memory: answers are embedded once, recalled by meaning within the
project (this group and earlier ones), never across projects; interviews
remember what the persona said and are stored."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx
import psycopg

from sight.focus_groups.memory import recall
from sight.llm.embeddings.local import LocalEmbeddings
from sight.postgres import create_engine, create_sessionmaker
from tests.conftest import register_user
from tests.focus_groups.conftest import make_group, project_with_personas
from tests.personas.test_generation import wait_job


async def _run(client: httpx.AsyncClient, auth: dict[str, str], group_id: str) -> None:
    run = await client.post(f"/api/v1/focus-groups/{group_id}/run", headers=auth)
    assert run.status_code == 202, run.text
    job = await wait_job(client, run.json()["job_id"], auth)
    assert job["status"] == "succeeded", job
    # Answers not embedded during the run are embedded by a follow-up job.
    project_id = job["project_id"]
    deadline = time.monotonic() + 60
    while True:
        jobs = (
            await client.get(f"/api/v1/jobs?project_id={project_id}", headers=auth)
        ).json()["items"]
        pending = [
            j
            for j in jobs
            if j["kind"] == "focus_groups.remember"
            and j["status"] not in {"succeeded", "failed", "cancelled"}
        ]
        if not pending:
            break
        assert time.monotonic() < deadline, pending
        await asyncio.sleep(0.1)


async def test_memory_recalls_earlier_groups_of_the_project_only(
    client: httpx.AsyncClient, user: dict[str, str], database_url: str
) -> None:
    auth = {"Authorization": user["authorization"]}
    project, personas = await project_with_personas(client, auth, n=3)
    ids = [p["id"] for p in personas]
    first = await make_group(
        client,
        auth,
        project["id"],
        ids,
        questions=["Czy zapłacilibyście 49 zł miesięcznie za kawę w subskrypcji?"],
    )
    await _run(client, auth, first["id"])
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT id, persona_id, embedding_dimensions, embedding_model"
            " FROM focus_group_responses WHERE focus_group_id = %s AND role = 'persona'",
            (first["id"],),
        ).fetchall()
    assert len(rows) == 3
    assert {r[2] for r in rows} == {512}  # one local embedding per stored answer
    assert {r[3] for r in rows} == {"local:use-multilingual-v3"}
    earlier = {str(r[1]): str(r[0]) for r in rows}

    second = await make_group(
        client,
        auth,
        project["id"],
        ids,
        questions=["Ile płacicie dziś miesięcznie za kawę?"],
    )
    await _run(client, auth, second["id"])
    transcript = (
        await client.get(f"/api/v1/focus-groups/{second['id']}/responses", headers=auth)
    ).json()
    for answer in transcript["questions"][0]["responses"]:
        # Each persona was reminded of its own earlier answer, nobody else's.
        assert answer["details"]["memory"] == [earlier[answer["persona_id"]]]

    # Retrieval itself: the same persona and vector, another project: nothing.
    other_project, _ = await project_with_personas(client, auth, n=2)
    [query] = await LocalEmbeddings().embed(["cena kawy w subskrypcji"])
    engine = create_engine(database_url, pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session:
            persona_id = uuid.UUID(ids[0])
            mine = await recall(
                session,
                persona_id=persona_id,
                project_id=uuid.UUID(project["id"]),
                query=query,
            )
            assert len(mine) == 2  # both groups' answers
            assert {m.focus_group_id for m in mine} == {
                uuid.UUID(first["id"]),
                uuid.UUID(second["id"]),
            }
            assert all(m.question for m in mine)
            elsewhere = await recall(
                session,
                persona_id=persona_id,
                project_id=uuid.UUID(other_project["id"]),
                query=query,
            )
            assert elsewhere == []
    finally:
        await engine.dispose()


async def test_interview_streams_a_reply_that_remembers_and_is_stored(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    project, personas = await project_with_personas(client, auth, n=2)
    ids = [p["id"] for p in personas]
    group = await make_group(
        client,
        auth,
        project["id"],
        ids,
        questions=["Co sądzicie o kawie z subskrypcji?"],
    )
    await _run(client, auth, group["id"])
    said = (
        await client.get(f"/api/v1/focus-groups/{group['id']}/responses", headers=auth)
    ).json()["questions"][0]["responses"]
    mine = next(r for r in said if r["persona_id"] == ids[0])

    events: list[tuple[str, dict[str, object]]] = []
    async with client.stream(
        "POST",
        f"/api/v1/personas/{ids[0]}/chat",
        json={"message": "Dlaczego tak Pan/Pani uważa o tej subskrypcji?"},
        headers=auth,
    ) as response:
        assert response.status_code == 200
        kind = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                kind = line[len("event: ") :]
            elif line.startswith("data: "):
                events.append((kind, json.loads(line[len("data: ") :])))
    kinds = [k for k, _ in events]
    assert kinds[0] == "message"
    assert kinds[-1] == "answer_done"
    assert "text_delta" in kinds
    reply = events[-1][1]["message"]
    assert isinstance(reply, dict)
    streamed = "".join(str(d["text"]) for k, d in events if k == "text_delta")
    assert streamed.split() == str(reply["content"]).split()
    assert reply["role"] == "persona"
    assert reply["generated_by"] == "offline-engine"
    assert reply["memory"] == [mine["id"]]

    history = (await client.get(f"/api/v1/personas/{ids[0]}/chat", headers=auth)).json()
    assert [m["role"] for m in history["messages"]] == ["user", "persona"]
    assert history["messages"][1]["content"] == reply["content"]

    stranger = await register_user(client)
    denied = await client.post(
        f"/api/v1/personas/{ids[0]}/chat",
        json={"message": "Hej"},
        headers={"Authorization": stranger["authorization"]},
    )
    assert denied.status_code == 404
    empty = await client.post(
        f"/api/v1/personas/{ids[0]}/chat", json={"message": "  "}, headers=auth
    )
    assert empty.status_code == 422
