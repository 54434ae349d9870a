"""A worker killed in the middle of a focus group: another worker resumes at
the first missing answer and no answer is stored twice (real OpenAI SDK
against the fake provider, real worker processes, SIGKILL)."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from sight.embedded_postgres import EmbeddedPostgres
from sight_testing.fake_llm import FakeLLM, FakeLLMConfig, running_fake_llm
from tests.conftest import create_database
from tests.fixtures.jobs import start_job
from tests.fixtures.workers import spawn_worker

PERSONAS, QUESTIONS = 6, 3


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with running_fake_llm(FakeLLMConfig(latency=0.0)) as server:
        yield server


def _spawn_worker(url: str, fake: FakeLLM) -> subprocess.Popen[bytes]:
    return spawn_worker(url, fake)


def _setup(url: str) -> tuple[str, uuid.UUID, uuid.UUID]:
    """A user, a project, six personas and a normal group of three questions."""
    with psycopg.connect(url, autocommit=True) as conn:
        user_id = conn.execute(
            "INSERT INTO users (id, email, full_name, password_hash, is_active)"
            " VALUES (gen_random_uuid(), 'fg@example.com', 'F', 'x', true) RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        project_id = conn.execute(
            "INSERT INTO projects (id, owner_id, name, description, research_goal,"
            " language, country, target_sample_size, target_demographics,"
            " target_distribution, llm_overrides) VALUES (gen_random_uuid(), %s,"
            " 'P', '', '', 'en', 'us', 6, '{}', '{}', '{}') RETURNING id",
            (user_id,),
        ).fetchone()[0]  # type: ignore[index]
        persona_ids = []
        for slot in range(PERSONAS):
            profile = {"values": ["family"], "big_five": {"openness": 0.5}}
            persona_ids.append(
                str(
                    conn.execute(
                        "INSERT INTO personas (id, project_id, slot, age, age_group,"
                        " gender, location, urban_rural, education, income_band,"
                        " income, income_currency, full_name, occupation, profile,"
                        " language, segment, generated_by, prompt_version,"
                        " citations, validation) VALUES (gen_random_uuid(), %s, %s,"
                        " 40, 'age_35_44', 'female', 'northeast', 'urban',"
                        " 'bachelors', 'usd_50_75k', 60000, 'USD', %s, 'nurse', %s,"
                        " 'en', '35-44/female/high', 'test', 'v', '[]', '{}')"
                        " RETURNING id",
                        (project_id, slot, f"Person {slot}", json.dumps(profile)),
                    ).fetchone()[0]  # type: ignore[index]
                )
            )
        questions = [{"text": f"Question {i}?", "follow_up": "never"} for i in range(3)]
        group_id = conn.execute(
            "INSERT INTO focus_groups (id, project_id, name, description,"
            " project_context, persona_ids, questions, language, mode, wave_size,"
            " turn_words, status) VALUES (gen_random_uuid(), %s, 'G', '', '', %s, %s,"
            " 'en', 'normal', 6, 50, 'queued') RETURNING id",
            (project_id, json.dumps(persona_ids), json.dumps(questions)),
        ).fetchone()[0]  # type: ignore[index]
    return str(user_id), uuid.UUID(str(project_id)), uuid.UUID(str(group_id))


def _answers(url: str, group_id: uuid.UUID) -> list[tuple[int, str]]:
    with psycopg.connect(url) as conn:
        return [
            (r[0], str(r[1]))
            for r in conn.execute(
                "SELECT question_index, persona_id FROM focus_group_responses"
                " WHERE focus_group_id = %s AND role = 'persona'",
                (group_id,),
            )
        ]


async def test_killed_worker_resumes_at_the_first_missing_answer(
    pg_cluster: EmbeddedPostgres, fake: FakeLLM
) -> None:
    from sight import db

    url = create_database(pg_cluster, f"sight_fg_{uuid.uuid4().hex[:8]}")
    db.upgrade(url)
    user_id, project_id, group_id = _setup(url)
    fake.configure(latency=0.4)
    job_id = await start_job(
        url,
        user_id,
        kind="focus_groups.run",
        project_id=project_id,
        focus_group_id=str(group_id),
    )
    first = _spawn_worker(url, fake)
    try:
        deadline = time.monotonic() + 60
        while len(_answers(url, group_id)) < 3:
            assert time.monotonic() < deadline, "nobody answered in the first worker"
            await asyncio.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        before = len(_answers(url, group_id))
        assert before < PERSONAS * QUESTIONS
        second = _spawn_worker(url, fake)
        try:
            deadline = time.monotonic() + 90
            while True:
                with psycopg.connect(url) as conn:
                    status, attempts = conn.execute(
                        "SELECT status, attempts FROM jobs WHERE id = %s", (job_id,)
                    ).fetchone()  # type: ignore[misc]
                if status in {"succeeded", "failed"}:
                    break
                assert time.monotonic() < deadline, f"job stuck in {status}"
                await asyncio.sleep(0.2)
            # The follow-up job embedding the answers (memory) ends too.
            while True:
                with psycopg.connect(url) as conn:
                    busy = conn.execute(
                        "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
                    ).fetchone()[0]  # type: ignore[index]
                if not busy:
                    break
                assert time.monotonic() < deadline, "the memory job did not end"
                await asyncio.sleep(0.2)
        finally:
            second.terminate()
            try:
                second.wait(30)
            except subprocess.TimeoutExpired:  # a loaded machine: do not hang here
                second.kill()
                second.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert status == "succeeded"
    assert attempts == 2
    answers = _answers(url, group_id)
    assert len(answers) == len(set(answers)) == PERSONAS * QUESTIONS
    # Only the missing answers were asked again: calls = answers + the ones lost
    # when the worker died: in flight (at most the concurrency, 2) or answered
    # but not yet committed (the batch of up to 50 ms, at most 2 more).
    chat_calls = fake.stats.count("openai.chat.completions")
    assert PERSONAS * QUESTIONS <= chat_calls <= PERSONAS * QUESTIONS + 4
    with psycopg.connect(url) as conn:
        group_status, terminal = conn.execute(
            "SELECT g.status, (SELECT type FROM stream_events WHERE stream_kind ="
            " 'focus_group' AND stream_id = g.id ORDER BY id DESC LIMIT 1)"
            " FROM focus_groups g WHERE g.id = %s",
            (group_id,),
        ).fetchone()  # type: ignore[misc]
        failed = conn.execute(
            "SELECT count(*) FROM focus_group_responses WHERE status <> 'ok'"
        ).fetchone()[0]  # type: ignore[index]
        embedded = conn.execute(
            "SELECT count(*) FROM focus_group_responses WHERE embedding IS NOT NULL"
        ).fetchone()[0]  # type: ignore[index]
    assert (group_status, terminal) == ("completed", "completed")
    assert failed == 0
    assert embedded == PERSONAS * QUESTIONS  # every answer remembered, once
