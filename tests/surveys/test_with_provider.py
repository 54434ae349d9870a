"""Surveys through a real SDK (OpenAI) against the fake provider: the two-pass
rating mode (default with a real model), and a worker killed mid-run that
another worker resumes without answering for anyone twice."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from sight.config import Settings
from sight.embedded_postgres import EmbeddedPostgres
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.postgres import create_engine, create_sessionmaker
from sight.surveys import repository
from sight.surveys.results import compute_results
from sight.surveys.schemas import Question
from sight.surveys.statistics import answered
from sight_testing.fake_llm import FakeLLM, FakeLLMConfig, running_fake_llm
from tests.conftest import create_database
from tests.fixtures.jobs import start_job
from tests.fixtures.workers import spawn_worker
from tests.personas.test_generation import wait_job
from tests.personas.test_generation_with_provider import use_fake
from tests.surveys.conftest import QUESTIONS, project_with_personas, read_stream

PERSONAS = 12


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with running_fake_llm(FakeLLMConfig(latency=0.0)) as server:
        yield server


async def test_two_pass_ratings_with_a_real_model(
    client: httpx.AsyncClient, user: dict[str, str], fake: FakeLLM
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await project_with_personas(client, auth, count=6)
    await use_fake(client, auth, fake)
    survey = (
        await client.post(
            f"/api/v1/projects/{project['id']}/surveys",
            json={"title": "Two pass", "questions": QUESTIONS},
            headers=auth,
        )
    ).json()
    before = fake.stats.count("openai.chat.completions")
    run = await client.post(f"/api/v1/surveys/{survey['id']}/run", headers=auth)
    assert run.status_code == 202, run.text
    assert run.json()["estimate"]["rating_mode"] == "two-pass"
    events = await read_stream(client, run.json()["events_url"], auth)
    assert events[-1]["event"] == "completed", events[-1]
    job = await wait_job(client, run.json()["job_id"], auth)
    assert job["status"] == "succeeded", job
    # One structured call per respondent answers the whole questionnaire.
    assert fake.stats.count("openai.chat.completions") - before == 6
    responses = (
        await client.get(f"/api/v1/surveys/{survey['id']}/responses", headers=auth)
    ).json()["items"]
    for r in responses:
        mapped = r["details"]["price"]["two_pass"]
        assert mapped["method"] == "semantic-similarity"
        assert isinstance(mapped["text"], str)
        assert mapped["text"]
        assert r["answers"]["price"] == mapped["value"]
        assert 1 <= mapped["value"] <= 5
        assert len(mapped["pmf"]) == 5
        assert sum(mapped["pmf"]) == pytest.approx(1, abs=1e-3)
        assert -1 <= mapped["similarity"] <= 1
        assert r["generated_by"] == "openai:gpt-4.1-mini"
    results = (
        await client.get(f"/api/v1/surveys/{survey['id']}/results", headers=auth)
    ).json()
    assert results["guards"]["rating_mode"] == "two-pass"
    price = next(q for q in results["questions"] if q["id"] == "price")
    assert price["guards"]["rating_method"]["two_pass"] == 6


def _spawn_worker(url: str, fake: FakeLLM) -> subprocess.Popen[bytes]:
    # A busy machine delays heartbeats: a longer stall timeout.
    return spawn_worker(url, fake, stalled_after_seconds=8, heartbeat_seconds=1)


def _setup(url: str) -> tuple[str, uuid.UUID, uuid.UUID]:
    with psycopg.connect(url, autocommit=True) as conn:
        user_id = conn.execute(
            "INSERT INTO users (id, email, full_name, password_hash, is_active)"
            " VALUES (gen_random_uuid(), 'sv@example.com', 'S', 'x', true) RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        project_id = conn.execute(
            "INSERT INTO projects (id, owner_id, name, description, research_goal,"
            " language, country, target_sample_size, target_demographics,"
            " target_distribution, llm_overrides) VALUES (gen_random_uuid(), %s,"
            " 'P', '', '', 'pl', 'pl', 12, '{}', '{}', '{}') RETURNING id",
            (user_id,),
        ).fetchone()[0]  # type: ignore[index]
        for slot in range(PERSONAS):
            conn.execute(
                "INSERT INTO personas (id, project_id, slot, age, age_group,"
                " gender, location, urban_rural, education, income_band,"
                " income, income_currency, full_name, occupation, profile,"
                " language, segment, generated_by, prompt_version,"
                " citations, validation) VALUES (gen_random_uuid(), %s, %s,"
                " %s, 'age_35_44', %s, 'mazowieckie', 'urban', 'secondary',"
                " 'pln_2500_3499', 3000, 'PLN', %s, 'kierowca', '{}',"
                " 'pl', 's', 'test', 'v', '[]', '{}')",
                (
                    project_id,
                    slot,
                    20 + 4 * slot,
                    "female" if slot % 2 else "male",
                    f"Osoba {slot}",
                ),
            )
        survey_id = conn.execute(
            "INSERT INTO surveys (id, project_id, title, description, questions,"
            " respondents, settings, status, target, results_answered,"
            " prompt_version) VALUES (gen_random_uuid(), %s, 'S', '', %s,"
            " '{\"mode\": \"all\"}', %s, 'running', 12, 0, 'v') RETURNING id",
            (
                project_id,
                json.dumps(
                    [
                        {**q, "type": q["type"].replace("_", "-")}
                        for q in QUESTIONS
                        if q["type"] != "open-text"
                    ]
                ),
                json.dumps(
                    {"shuffle_options": True, "rating_mode": "direct", "seed": 5}
                ),
            ),
        ).fetchone()[0]  # type: ignore[index]
    return str(user_id), uuid.UUID(str(project_id)), uuid.UUID(str(survey_id))


def _answered(url: str, survey_id: uuid.UUID) -> list[str]:
    with psycopg.connect(url) as conn:
        return [
            str(r[0])
            for r in conn.execute(
                "SELECT persona_id FROM survey_responses WHERE survey_id = %s",
                (survey_id,),
            )
        ]


async def test_killed_worker_resumes_without_answering_twice(
    pg_cluster: EmbeddedPostgres, fake: FakeLLM
) -> None:
    from sight import db

    url = create_database(pg_cluster, f"sight_sv_{uuid.uuid4().hex[:8]}")
    db.upgrade(url)
    user_id, project_id, survey_id = _setup(url)
    fake.configure(latency=0.4)
    job_id = await start_job(
        url,
        user_id,
        kind="surveys.run",
        project_id=project_id,
        survey_id=str(survey_id),
        rating_words=False,
    )
    first = _spawn_worker(url, fake)
    try:
        deadline = time.monotonic() + 60
        while len(_answered(url, survey_id)) < 3:
            assert time.monotonic() < deadline, "nobody answered in the first worker"
            await asyncio.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert len(_answered(url, survey_id)) < PERSONAS
        second = _spawn_worker(url, fake)
        try:
            deadline = time.monotonic() + 90
            while True:
                with psycopg.connect(url) as conn:
                    status, attempts, error = conn.execute(
                        "SELECT status, attempts, error FROM jobs WHERE id = %s",
                        (job_id,),
                    ).fetchone()  # type: ignore[misc]
                if status in {"succeeded", "failed"}:
                    break
                assert time.monotonic() < deadline, f"job stuck in {status}"
                await asyncio.sleep(0.2)
        finally:
            second.terminate()
            second.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert status == "succeeded", error
    assert attempts == 2, error
    answered = _answered(url, survey_id)
    assert len(answered) == PERSONAS
    assert len(set(answered)) == PERSONAS
    with psycopg.connect(url) as conn:
        kinds = [
            r[0]
            for r in conn.execute(
                "SELECT type FROM stream_events WHERE stream_kind = 'survey'"
                " AND stream_id = %s ORDER BY id",
                (survey_id,),
            )
        ]
        survey_status, stored = conn.execute(
            "SELECT status, results IS NOT NULL FROM surveys WHERE id = %s",
            (survey_id,),
        ).fetchone()  # type: ignore[misc]
    # Each answer and its event were committed together: one event per answer.
    assert kinds.count("respondent") == PERSONAS
    assert kinds[-1] == "completed"
    assert (survey_status, stored) == ("completed", True)
    # The results stored by the resumed run (themes from answers embedded as
    # they arrived, some by the killed worker's attempt) are the ones computed
    # from scratch from the stored answers.
    assert _timeless(_stored_results(url, survey_id)) == _timeless(
        await _recomputed(url, survey_id, fake)
    )


def _stored_results(url: str, survey_id: uuid.UUID) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT results FROM surveys WHERE id = %s", (survey_id,)
        ).fetchone()
    assert row is not None
    results: dict[str, Any] = row[0]
    return results


def _timeless(results: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in results.items() if k != "computed_at"}


async def _recomputed(url: str, survey_id: uuid.UUID, fake: FakeLLM) -> dict[str, Any]:
    """The survey's results computed afresh, the open answers embedded in one
    call by the same provider the workers used."""
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        secret_key="s" * 40,
        openai_api_key="sk-fake-key-for-tests",
        openai_base_url=fake.openai_base_url,
        llm={"detect_ollama": False},
    )
    gateway = LLMGateway(settings, sessionmaker)
    try:
        async with sessionmaker() as session:
            survey = await repository.get_survey(session, survey_id)
            records = await repository.respondent_records(session, survey_id)
        questions = [Question.model_validate(q) for q in survey.questions]
        ctx = CallContext(user_id=survey.created_by, project_id=survey.project_id)
        vectors: dict[str, list[list[float]] | None] = {}
        for question in questions:
            texts = answered(question, records)
            if question.type == "open-text" and texts:
                vectors[question.id] = await gateway.embed(
                    texts, ctx, flow="surveys.themes"
                )
        return compute_results(
            questions,
            records,
            settings=survey.settings,
            rating_mode="direct",
            text_vectors=vectors,
            seed=int(survey.settings["seed"]),
        )
    finally:
        await gateway.aclose()
        await engine.dispose()


async def test_cancel_stops_the_run_and_a_new_run_may_start(
    client: httpx.AsyncClient, user: dict[str, str], fake: FakeLLM
) -> None:
    auth = {"Authorization": user["authorization"]}
    project = await project_with_personas(client, auth, count=4)
    await use_fake(client, auth, fake)
    fake.configure(latency=5.0)
    survey = (
        await client.post(
            f"/api/v1/projects/{project['id']}/surveys",
            json={"title": "Stop me", "questions": QUESTIONS[:1]},
            headers=auth,
        )
    ).json()
    run = (
        await client.post(f"/api/v1/surveys/{survey['id']}/run", headers=auth)
    ).json()
    # Cancel while every respondent waits for the model.
    deadline = time.monotonic() + 30
    while (await client.get(f"/api/v1/jobs/{run['job_id']}", headers=auth)).json()[
        "status"
    ] != "running":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    started = time.monotonic()
    cancelled = await client.post(f"/api/v1/jobs/{run['job_id']}/cancel", headers=auth)
    assert cancelled.status_code == 200, cancelled.text
    events = await read_stream(client, run["events_url"], auth)
    assert events[-1]["event"] == "cancelled"
    assert time.monotonic() - started < 5.0  # did not wait for the model's answers
    job = await wait_job(client, run["job_id"], auth)
    assert job["status"] == "cancelled"
    stored = (await client.get(f"/api/v1/surveys/{survey['id']}", headers=auth)).json()
    assert stored["status"] == "cancelled"
    fake.configure(latency=0.0)
    again = await client.post(f"/api/v1/surveys/{survey['id']}/run", headers=auth)
    assert again.status_code == 202, again.text
    assert (await read_stream(client, again.json()["events_url"], auth))[-1][
        "event"
    ] == "completed"
