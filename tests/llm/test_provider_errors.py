"""Provider errors say which provider answered what, and are not retried when
asking again cannot help (issue 15, item 10)."""

from __future__ import annotations

import httpx
import pytest

from sight.llm.gateway import LLMGateway, LLMProviderFailed
from sight.llm.types import CallContext
from sight_testing.fake_llm import FakeLLM
from tests.llm.conftest import insert_user
from tests.personas.test_generation import make_project, wait_job


async def test_a_rejected_key_is_reported_once_without_the_key(
    openai_gateway: LLMGateway, fake_llm: FakeLLM, database_url: str
) -> None:
    fake_llm.configure(client_error_next=10, client_error_status=401)
    with pytest.raises(LLMProviderFailed) as failed:
        await openai_gateway.generate_text(
            "surveys.answer",
            system="s",
            prompt="p",
            ctx=CallContext(user_id=insert_user(database_url)),
        )
    detail = failed.value.detail
    assert detail.startswith("openai answered HTTP 401")
    assert "surveys.answer" in detail
    assert "sk-test-not-real" not in detail
    assert not failed.value.retryable
    assert fake_llm.stats.count("openai.chat.completions") == 1  # not retried


async def test_a_job_fails_once_saying_which_provider_answered_what(
    client: httpx.AsyncClient, user: dict[str, str], fake_llm: FakeLLM
) -> None:
    """Persona generation writes segment briefs in a task group: the provider's
    answer reaches the job, not `internal error (ExceptionGroup)`."""
    auth = {"Authorization": user["authorization"]}
    secret = "sk-user-secret-0123456789"
    saved = await client.put(
        "/api/v1/settings/llm",
        json={
            "provider": "openai",
            "api_keys": {"openai": secret},
            "openai_base_url": fake_llm.openai_base_url,
        },
        headers=auth,
    )
    assert saved.status_code == 200, saved.text
    fake_llm.configure(client_error_next=1000, client_error_status=401)
    project = await make_project(client, auth, target_sample_size=4)
    started = await client.post(
        f"/api/v1/projects/{project['id']}/personas/generate",
        json={"seed": 1},
        headers=auth,
    )
    assert started.status_code == 202, started.text
    job = await wait_job(client, started.json()["job_id"], auth)
    assert job["status"] == "failed"
    assert "openai answered HTTP 401" in job["error"]
    assert "ExceptionGroup" not in job["error"]
    assert secret not in job["error"]
    assert job["attempts"] == 1  # a rejected key is not tried again
