"""One fake provider server for the whole package, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sight_testing.fake_llm import FakeLLM, FakeLLMConfig, running_fake_llm


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeLLM]:
    with running_fake_llm(FakeLLMConfig()) as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeLLM) -> FakeLLM:
    # Faults and counters from one test must not leak into the next.
    fake_server.reset()
    return fake_server
