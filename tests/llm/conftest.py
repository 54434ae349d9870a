from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import psycopg
import pytest

from sight.llm.gateway import LLMGateway
from sight.postgres import create_engine, create_sessionmaker
from sight_testing.fake_llm import FakeLLM, FakeLLMConfig, running_fake_llm
from tests.conftest import make_settings


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
    gateway = LLMGateway(settings, create_sessionmaker(engine))
    yield gateway
    await gateway.aclose()
    await engine.dispose()
