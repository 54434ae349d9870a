from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
import pytest

from sight.domains import llm_policies
from sight.llm.gateway import LLMGateway
from sight.llm.secrets import KeyVault
from sight.postgres import create_engine, create_sessionmaker
from sight_testing.fake_llm import FakeLLM, FakeLLMConfig, running_fake_llm
from tests.conftest import TEST_SECRET, make_settings


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    with running_fake_llm(FakeLLMConfig(latency=0.0)) as server:
        yield server


def insert_user(database_url: str, budget: float | None = None) -> uuid.UUID:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO users (id, email, full_name, password_hash, is_active,"
            " monthly_budget_usd) VALUES (gen_random_uuid(), %s, 'G', 'x', true, %s)"
            " RETURNING id",
            (f"g-{uuid.uuid4().hex[:10]}@example.com", budget),
        ).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


@pytest.fixture
async def openai_gateway(
    database_url: str, fake_llm: FakeLLM
) -> AsyncIterator[LLMGateway]:
    settings = make_settings(
        openai_api_key="sk-test-not-real",
        openai_base_url=fake_llm.openai_base_url,
        llm={
            "limits": {"openai": {"concurrency": 3}},
            "circuit_threshold": 5,
            "circuit_cooldown_seconds": 2,
            "max_retries": 3,
            "detect_ollama": False,
        },
    )
    engine = create_engine(database_url, pool_size=5)
    gateway = LLMGateway(settings, create_sessionmaker(engine), policies=llm_policies())
    yield gateway
    await gateway.aclose()
    await engine.dispose()


@contextlib.asynccontextmanager
async def gateway_for(database_url: str, **overrides: Any) -> AsyncIterator[LLMGateway]:
    """A gateway with the domains' policies and `make_settings(**overrides)`;
    `llm` entries are merged into quiet defaults (no Ollama probe)."""
    llm = {"detect_ollama": False, **overrides.pop("llm", {})}
    settings = make_settings(llm=llm, **overrides)
    engine = create_engine(database_url, pool_size=5)
    gateway = LLMGateway(settings, create_sessionmaker(engine), policies=llm_policies())
    try:
        yield gateway
    finally:
        await gateway.aclose()
        await engine.dispose()


def provider_settings(provider: str, fake: FakeLLM, key: str) -> dict[str, Any]:
    """Settings that make `provider` the deployment default, served by `fake`."""
    if provider == "openai":
        return {"openai_api_key": key, "openai_base_url": fake.openai_base_url}
    if provider == "gemini":
        return {"google_api_key": key, "llm": {"gemini_base_url": fake.base_url}}
    return {"anthropic_api_key": key, "llm": {"anthropic_base_url": fake.base_url}}


def set_llm_settings(
    database_url: str,
    user_id: uuid.UUID,
    *,
    provider: str | None = "openai",
    keys: dict[str, str] | None = None,
    base_url: str | None = None,
    secret: str = TEST_SECRET,
) -> None:
    """Store a user's LLM settings as the settings API would (keys encrypted
    with `secret`: another secret stands for a rotated SECRET_KEY)."""
    vault = KeyVault(secret)
    encrypted = {name: vault.encrypt(key) for name, key in (keys or {}).items()}
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO user_llm_settings (user_id, provider, overrides,"
            " encrypted_keys, openai_base_url) VALUES (%s, %s, '{}', %s, %s)",
            (user_id, provider, json.dumps(encrypted), base_url),
        )


def add_spend(
    database_url: str, user_id: uuid.UUID, usd: float, billed_to: str
) -> None:
    """A past call of `usd` this month, paid by `billed_to`."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO llm_calls (user_id, flow, kind, provider, model,"
            " input_tokens, output_tokens, cost_usd, priced, latency_ms, cache_hit,"
            " outcome, attempts, billed_to) VALUES (%s, 'surveys.answer', 'chat',"
            " 'openai', 'gpt-4.1-mini', 1, 1, %s, true, 1, false, 'ok', 1, %s)",
            (user_id, usd, billed_to),
        )
