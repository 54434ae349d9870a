"""The rules that check offline personas run on a real model's output too, and
what they find goes back to the model as a repair (real OpenAI SDK against the
fake provider)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sight_testing.fake_llm import FakeLLM, FakeLLMConfig, running_fake_llm
from tests.personas.test_generation import make_project, wait_job
from tests.personas.test_generation_with_provider import CANNED_PERSONA, use_fake

# What a careless model writes for a man (the defects of issue 14).
CARELESS: dict[str, Any] = {
    **CANNED_PERSONA,
    "occupation": "nauczycielka",
    "background_story": "Jan Kowalski ma 32 lat i mieszka w województwie "
    "wielkopolskie. W wolnym czasie spędza na: książki, wędkarstwo.",
    "quote": "Liczy się dla mnie Rodzina, więc nie przepłacam.",
}
REPAIRED: dict[str, Any] = {
    **CANNED_PERSONA,
    "occupation": "nauczyciel",
    "background_story": "Jan Kowalski ma 32 lata i mieszka w województwie "
    "wielkopolskim. W wolnym czasie czyta książki i łowi ryby.",
    "quote": "Liczy się dla mnie rodzina, więc nie przepłacam.",
}


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with running_fake_llm(FakeLLMConfig(latency=0.0)) as server:
        yield server


async def test_a_models_agreement_errors_are_found_and_repaired(
    client: httpx.AsyncClient, user: dict[str, str], fake: FakeLLM
) -> None:
    auth = {"Authorization": user["authorization"]}
    await use_fake(client, auth, fake)
    # first match wins: the repair request also contains "Create one persona"
    fake.add_canned(
        "A previous draft of this persona", json.dumps(REPAIRED, ensure_ascii=False)
    )
    fake.add_canned("Create one persona", json.dumps(CARELESS, ensure_ascii=False))
    project = await make_project(
        client,
        auth,
        target_sample_size=1,
        target_demographics={
            "gender": {"Male": 1.0, "Female": 0.0},
            "education": {"tertiary": 1.0},
            "age_group": {"25-34": 1.0},
        },
    )
    accepted = (
        await client.post(
            f"/api/v1/projects/{project['id']}/personas/generate", json={}, headers=auth
        )
    ).json()
    job = await wait_job(client, accepted["job_id"], auth)
    assert job["status"] == "succeeded", job
    assert job["result"]["saved"] == 1
    [persona] = (
        await client.get(
            f"/api/v1/projects/{project['id']}/personas?view=full", headers=auth
        )
    ).json()["items"]
    assert persona["occupation"] == "nauczyciel"
    assert persona["generated_by"] == "openai:gpt-4.1-mini"
    [found] = persona["validation"]["repairs"]
    text = " | ".join(found)
    assert "feminine form for a man" in text
    assert "'32 lat' should read '32 lata'" in text
    assert "locative" in text
    assert "prose" in text
    assert "'Rodzina' is capitalised mid-sentence" in text
