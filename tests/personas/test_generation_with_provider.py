"""Persona generation through a real SDK (OpenAI) against the fake provider:
budgets, bounded repair, and a crash in the middle of a job."""

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

from sight.embedded_postgres import EmbeddedPostgres
from sight.projects.service import normalise_target
from sight_testing.fake_llm import FakeLLM, FakeLLMConfig, running_fake_llm
from tests.conftest import create_database
from tests.fixtures.jobs import start_job
from tests.fixtures.workers import spawn_worker
from tests.personas.test_generation import make_project, wait_job

CANNED_PERSONA = {
    "full_name": "Jan Kowalski",
    "occupation": "technik",
    "background_story": "Jan mieszka w Poznaniu i pracuje jako technik w zakładzie produkcyjnym.",
    "values": ["rodzina", "zdrowie", "uczciwość"],
    "interests": ["wędkarstwo", "piłka nożna", "majsterkowanie"],
    "big_five": {
        "openness": 0.4,
        "conscientiousness": 0.7,
        "extraversion": 0.5,
        "agreeableness": 0.6,
        "neuroticism": 0.3,
    },
    "hofstede": {
        "power_distance": 0.6,
        "individualism": 0.5,
        "masculinity": 0.6,
        "uncertainty_avoidance": 0.7,
        "long_term_orientation": 0.4,
        "indulgence": 0.3,
    },
    "needs": ["szybko zrobić zakupy", "kontrolować wydatki"],
    "pain_points": ["rosnące ceny", "brak czasu"],
    "media_habits": ["YouTube", "radio"],
    "shopping_habits": ["Lidl", "Allegro"],
    "quote": "Kupuję to, co się sprawdza.",
}


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with running_fake_llm(FakeLLMConfig(latency=0.0)) as server:
        yield server


async def use_fake(
    client: httpx.AsyncClient, auth: dict[str, str], fake: FakeLLM, **extra: Any
) -> None:
    response = await client.put(
        "/api/v1/settings/llm",
        json={
            "provider": "openai",
            "api_keys": {"openai": "sk-fake-key-for-tests"},
            "openai_base_url": fake.openai_base_url,
            **extra,
        },
        headers=auth,
    )
    assert response.status_code == 200, response.text


async def test_budget_refuses_the_job_up_front(
    client: httpx.AsyncClient, user: dict[str, str], fake: FakeLLM
) -> None:
    auth = {"Authorization": user["authorization"]}
    await use_fake(client, auth, fake, monthly_budget_usd=0.001)
    project = await make_project(client, auth)
    response = await client.post(
        f"/api/v1/projects/{project['id']}/personas/generate",
        json={"num_personas": 50},
        headers=auth,
    )
    assert response.status_code == 402, response.text
    body = response.json()
    assert body["error"] == "BudgetExceeded"
    assert "of $0.00 this month" in body["detail"]
    assert fake.stats.total_requests == 0
    personas = await client.get(
        f"/api/v1/projects/{project['id']}/personas", headers=auth
    )
    assert personas.json()["total"] == 0


async def test_duplicates_are_repaired_a_bounded_number_of_times_then_reported(
    client: httpx.AsyncClient, user: dict[str, str], fake: FakeLLM
) -> None:
    auth = {"Authorization": user["authorization"]}
    await use_fake(client, auth, fake)
    # A model that always writes the same person: one is kept, the rest fail.
    fake.add_canned(
        "Create one persona", json.dumps(CANNED_PERSONA, ensure_ascii=False)
    )
    project = await make_project(client, auth, target_sample_size=3)
    accepted = (
        await client.post(
            f"/api/v1/projects/{project['id']}/personas/generate", json={}, headers=auth
        )
    ).json()
    job = await wait_job(client, accepted["job_id"], auth)
    assert job["status"] == "succeeded"
    assert job["result"]["saved"] == 1
    assert len(job["result"]["failed"]) == 2
    assert all("already used" in f["reason"] for f in job["result"]["failed"])
    enrich_calls = fake.stats.count("openai.chat.completions")
    # 3 enrichments + 2 x 2 repairs + segment briefs (<= 3): bounded, not endless
    assert enrich_calls <= 3 + 4 + 3
    [kept] = (
        await client.get(f"/api/v1/projects/{project['id']}/personas", headers=auth)
    ).json()["items"]
    assert kept["full_name"] == "Jan Kowalski"
    assert kept["generated_by"] == "openai:gpt-4.1-mini"


def _spawn_worker(url: str, fake: FakeLLM) -> subprocess.Popen[bytes]:
    return spawn_worker(url, fake)


def _persona_slots(url: str) -> list[int]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT slot FROM personas ORDER BY slot")]


async def test_crash_mid_generation_resumes_without_duplicates(
    pg_cluster: EmbeddedPostgres, fake: FakeLLM
) -> None:
    from sight import db

    url = create_database(pg_cluster, f"sight_personas_{uuid.uuid4().hex[:8]}")
    db.upgrade(url)
    # Working ages: the fake provider's generic text names an occupation, which
    # validation rightly refuses for a retiree (this test is about the crash).
    target = {
        "gender": {"Male": 0.5, "Female": 0.5},
        "age_group": {"25-34": 0.5, "35-44": 0.5},
    }
    with psycopg.connect(url, autocommit=True) as conn:
        user_id = conn.execute(
            "INSERT INTO users (id, email, full_name, password_hash, is_active)"
            " VALUES (gen_random_uuid(), 'crash@example.com', 'C', 'x', true) RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        project_id = conn.execute(
            "INSERT INTO projects (id, owner_id, name, description, research_goal, language,"
            " country, target_sample_size, target_demographics, target_distribution,"
            " llm_overrides) VALUES (gen_random_uuid(), %s, 'P', '', '', 'en', 'us', 12,"
            " %s, %s, '{}') RETURNING id",
            (user_id, json.dumps(target), json.dumps(normalise_target(target, "us"))),
        ).fetchone()[0]  # type: ignore[index]
    fake.configure(latency=0.4)
    job_id = await start_job(
        url,
        str(user_id),
        kind="personas.generate",
        project_id=project_id,
        num_personas=12,
        seed=3,
    )
    first = _spawn_worker(url, fake)
    try:
        deadline = time.monotonic() + 60
        while len(_persona_slots(url)) < 3:
            assert time.monotonic() < deadline, "no persona saved by the first worker"
            await asyncio.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        second = _spawn_worker(url, fake)
        try:
            deadline = time.monotonic() + 90
            while True:
                with psycopg.connect(url) as conn:
                    status, attempts, result = conn.execute(
                        "SELECT status, attempts, result FROM jobs WHERE id = %s",
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
    assert status == "succeeded", result
    assert attempts == 2
    assert _persona_slots(url) == list(range(12)), "a slot was saved twice or lost"
    with psycopg.connect(url) as conn:
        genders = dict(
            conn.execute(
                "SELECT gender, count(*) FROM personas GROUP BY gender"
            ).fetchall()
        )
    assert genders == {"male": 6, "female": 6}
    # A persona and its events commit together: after the crash a client reading
    # the whole stream sees every saved persona exactly once.
    with psycopg.connect(url) as conn:
        saved_events = [
            r[0]
            for r in conn.execute(
                "SELECT data->>'persona_id' FROM stream_events WHERE stream_kind='job'"
                " AND stream_id = %s AND type = 'item' AND data->>'stage' = 'saved'",
                (job_id,),
            )
        ]
        persona_ids = {str(r[0]) for r in conn.execute("SELECT id FROM personas")}
    assert sorted(saved_events) == sorted(persona_ids)


async def test_budget_reached_mid_run_stops_cleanly_keeping_personas(
    client: httpx.AsyncClient, user: dict[str, str], fake: FakeLLM
) -> None:
    auth = {"Authorization": user["authorization"]}
    await use_fake(client, auth, fake, monthly_budget_usd=100)
    fake.configure(latency=2.0)
    # More personas than two waves of the provider's concurrency (32), and
    # waves long enough that the first saves show before the last wave starts.
    project = await make_project(client, auth, target_sample_size=80)
    accepted = (
        await client.post(
            f"/api/v1/projects/{project['id']}/personas/generate", json={}, headers=auth
        )
    ).json()
    # Another job (or a colleague) spends the budget while this one runs.
    deadline = time.monotonic() + 30
    while (
        await client.get(f"/api/v1/projects/{project['id']}/personas", headers=auth)
    ).json()["total"] < 2:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    await client.put(
        "/api/v1/settings/llm", json={"monthly_budget_usd": 0}, headers=auth
    )
    job = await wait_job(client, accepted["job_id"], auth)
    assert job["status"] == "failed"
    assert "budget reached" in job["error"]
    assert "stopped after" in job["error"]
    kept = (
        await client.get(f"/api/v1/projects/{project['id']}/personas", headers=auth)
    ).json()["total"]
    assert 2 <= kept < 80
    assert f"stopped after {kept} of 80" in job["error"]
