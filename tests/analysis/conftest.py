from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sight.llm.gateway import LLMGateway
from sight.postgres import create_engine, create_sessionmaker
from tests.conftest import make_settings


@pytest.fixture
async def offline_gateway(database_url: str) -> AsyncIterator[LLMGateway]:
    """The gateway with no provider configured: the offline engine answers and
    the local multilingual model embeds."""
    settings = make_settings(llm={"detect_ollama": False})
    engine = create_engine(database_url, pool_size=3)
    gateway = LLMGateway(settings, create_sessionmaker(engine))
    yield gateway
    await gateway.aclose()
    await engine.dispose()
