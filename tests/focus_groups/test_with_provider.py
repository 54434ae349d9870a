"""Through a real SDK (OpenAI) against the fake provider: a persona whose
answer never comes is retried, then recorded as failed with its reason, and the
group goes on; a budget too small for the group refuses the run up front."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sight_testing.fake_llm import FakeLLM, FakeLLMConfig, running_fake_llm
from tests.focus_groups.conftest import (
    make_group,
    project_with_personas,
    read_group_stream,
)
from tests.personas.test_generation_with_provider import use_fake


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with running_fake_llm(FakeLLMConfig(latency=0.0)) as server:
        yield server


async def test_failed_answer_is_retried_then_recorded_and_the_group_goes_on(
    client: httpx.AsyncClient, user: dict[str, str], fake: FakeLLM
) -> None:
    auth = {"Authorization": user["authorization"]}
    project, personas = await project_with_personas(client, auth, n=3)
    await use_fake(client, auth, fake)
    silent = personas[1]
    # The model says nothing for this one person, every time.
    fake.add_canned(silent["full_name"], "")
    group = await make_group(
        client,
        auth,
        project["id"],
        [p["id"] for p in personas],
        questions=[
            {"text": "Co sądzicie o kawie w subskrypcji?", "follow_up": "never"}
        ],
    )
    run = await client.post(f"/api/v1/focus-groups/{group['id']}/run", headers=auth)
    assert run.status_code == 202, run.text
    events = await read_group_stream(client, group["id"], auth)
    assert events[-1]["event"] == "completed"
    starts = [
        e["data"]["attempt"]
        for e in events
        if e["event"] == "speaker_started" and e["data"]["persona_id"] == silent["id"]
    ]
    assert starts == [1, 2]  # tried again before giving up
    [failed] = [
        e["data"]
        for e in events
        if e["event"] == "answer_done" and e["data"]["status"] == "failed"
    ]
    assert failed["persona_id"] == silent["id"]
    assert "no text" in failed["error"]

    transcript = (
        await client.get(f"/api/v1/focus-groups/{group['id']}/responses", headers=auth)
    ).json()
    answers = transcript["questions"][0]["responses"]
    assert {r["persona_id"]: r["status"] for r in answers} == {
        p["id"]: ("failed" if p["id"] == silent["id"] else "ok") for p in personas
    }
    assert all(
        r["generated_by"] == "openai:gpt-4.1-mini"
        for r in answers
        if r["status"] == "ok"
    )
    detail = (
        await client.get(f"/api/v1/focus-groups/{group['id']}", headers=auth)
    ).json()
    assert detail["status"] == "completed"
    assert (detail["timings"]["answers_done"], detail["timings"]["answers_failed"]) == (
        2,
        1,
    )


async def test_budget_refuses_the_run_up_front(
    client: httpx.AsyncClient, user: dict[str, str], fake: FakeLLM
) -> None:
    auth = {"Authorization": user["authorization"]}
    project, personas = await project_with_personas(client, auth, n=2)
    await use_fake(client, auth, fake, monthly_budget_usd=0.00001)
    group = await make_group(client, auth, project["id"], [p["id"] for p in personas])
    estimate = (
        await client.get(f"/api/v1/focus-groups/{group['id']}/estimate", headers=auth)
    ).json()
    assert estimate["usd"] > 0.00001
    refused = await client.post(f"/api/v1/focus-groups/{group['id']}/run", headers=auth)
    assert refused.status_code == 402, refused.text
    assert refused.json()["error"] == "BudgetExceeded"
    detail = (
        await client.get(f"/api/v1/focus-groups/{group['id']}", headers=auth)
    ).json()
    assert detail["status"] == "pending"  # nothing ran, it can run later
    assert fake.stats.total_requests == 0
