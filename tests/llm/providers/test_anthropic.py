"""AnthropicProvider through the real ``anthropic`` SDK against the fake server."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pydantic
import pytest
from anthropic.types import Message

from sight.llm.providers.anthropic import AnthropicProvider, _tool_schema
from sight.llm.providers.base import ChatProvider, ErrorKind, ProviderError
from sight_testing.fake_llm import FakeLLM
from tests.llm.providers.support import (
    SECRET_KEY,
    Persona,
    dead_base_url,
    make_request,
    persona_schema,
)

# Any name works with the fake; real model names may trigger the SDK's
# deprecation warnings as models reach end of life.
MODEL = "claude-test"


@pytest.fixture
async def provider(fake: FakeLLM) -> AsyncIterator[AnthropicProvider]:
    adapter = AnthropicProvider(SECRET_KEY, base_url=fake.base_url)
    yield adapter
    await adapter.aclose()


async def test_plain_text_with_usage(
    provider: AnthropicProvider, fake: FakeLLM
) -> None:
    as_protocol: ChatProvider = provider
    response = await as_protocol.generate(make_request(MODEL))
    assert len(response.text.split()) >= 5
    assert response.input_tokens > 0
    assert response.output_tokens > 0
    assert response.finish_reason == "stop"
    assert response.raw["model"] == MODEL
    assert fake.stats.requests_by_endpoint == {"anthropic.messages": 1}


async def test_structured_output_through_a_forced_tool(
    provider: AnthropicProvider,
) -> None:
    response = await provider.generate(
        make_request(MODEL, json_schema=persona_schema())
    )
    persona = Persona.model_validate_json(response.text)
    assert 1 <= len(persona.traits) <= 3
    # The tool call is a complete answer, not a provider-specific stop.
    assert response.finish_reason == "stop"
    assert response.output_tokens > 0


async def test_non_object_schema_is_wrapped_and_unwrapped(
    provider: AnthropicProvider,
) -> None:
    schema = pydantic.TypeAdapter(list[Persona]).json_schema()
    response = await provider.generate(make_request(MODEL, json_schema=schema))
    personas = pydantic.TypeAdapter(list[Persona]).validate_json(response.text)
    assert isinstance(personas, list)


async def test_max_tokens_reached_is_length(provider: AnthropicProvider) -> None:
    response = await provider.generate(make_request(MODEL, max_tokens=2))
    assert response.finish_reason == "length"


async def test_rate_limit_carries_retry_after_and_is_not_retried(
    provider: AnthropicProvider, fake: FakeLLM
) -> None:
    fake.configure(rate_limit_next=1, retry_after_seconds=4)
    with pytest.raises(ProviderError) as caught:
        await provider.generate(make_request(MODEL))
    error = caught.value
    assert error.kind is ErrorKind.rate_limited
    assert error.retry_after == pytest.approx(4.0)
    assert error.status_code == 429
    assert SECRET_KEY not in str(error)
    assert fake.stats.total_requests == 1


@pytest.mark.parametrize("status", [500, 529])
async def test_server_error_and_overload(
    provider: AnthropicProvider, fake: FakeLLM, status: int
) -> None:
    fake.configure(server_error_next=1, server_error_status=status)
    with pytest.raises(ProviderError) as caught:
        await provider.generate(make_request(MODEL))
    assert caught.value.kind is ErrorKind.server
    assert caught.value.status_code == status
    assert fake.stats.total_requests == 1


async def test_hang_longer_than_timeout_is_timeout(
    provider: AnthropicProvider, fake: FakeLLM
) -> None:
    fake.configure(hang_next=1, hang_seconds=30)
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        await provider.generate(make_request(MODEL, timeout=0.5))
    assert caught.value.kind is ErrorKind.timeout
    assert time.monotonic() - started < 3.0


async def test_malformed_tool_input_is_returned_as_is(
    provider: AnthropicProvider, fake: FakeLLM
) -> None:
    # The fake breaks a forced tool call by dropping half of its keys: the
    # adapter must pass that on untouched for the gateway to repair or retry.
    fake.configure(malformed_next=1, malformed_mode="truncated")
    response = await provider.generate(
        make_request(MODEL, json_schema=persona_schema())
    )
    data = json.loads(response.text)
    assert set(data) < set(Persona.model_fields)
    with pytest.raises(pydantic.ValidationError):
        Persona.model_validate_json(response.text)


async def test_malformed_text_is_returned_as_is(
    provider: AnthropicProvider, fake: FakeLLM
) -> None:
    fake.configure(malformed_next=1, malformed_mode="invalid")
    # Plain text path (no tool): broken JSON the model wrote comes back as is.
    response = await provider.generate(
        make_request(MODEL, prompt="Answer as a JSON object.")
    )
    assert response.text.startswith("{")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


async def test_cut_off_http_body_is_a_server_error(
    provider: AnthropicProvider, fake: FakeLLM
) -> None:
    fake.configure(malformed_next=1, malformed_mode="http_body")
    with pytest.raises(ProviderError) as caught:
        await provider.generate(make_request(MODEL))
    assert caught.value.kind is ErrorKind.server


async def test_unreachable_server_is_connection() -> None:
    adapter = AnthropicProvider(SECRET_KEY, base_url=dead_base_url())
    try:
        with pytest.raises(ProviderError) as caught:
            await adapter.generate(make_request(MODEL))
    finally:
        await adapter.aclose()
    assert caught.value.kind is ErrorKind.connection


async def test_missing_key_is_auth_without_a_request(fake: FakeLLM) -> None:
    adapter = AnthropicProvider("", base_url=fake.base_url)
    with pytest.raises(ProviderError) as caught:
        await adapter.generate(make_request(MODEL))
    await adapter.aclose()
    assert caught.value.kind is ErrorKind.auth
    assert fake.stats.total_requests == 0


async def test_calls_run_concurrently(
    provider: AnthropicProvider, fake: FakeLLM
) -> None:
    fake.configure(latency=0.4)
    started = time.monotonic()
    await asyncio.gather(
        *(provider.generate(make_request(MODEL, prompt=f"q{i}")) for i in range(8))
    )
    assert fake.stats.max_in_flight == 8
    assert time.monotonic() - started < 1.5


def _message(stop_reason: str, content: list[dict[str, Any]]) -> Message:
    return Message.model_validate(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": MODEL,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": 3, "output_tokens": 1},
        }
    )


def test_refusal_is_content() -> None:
    adapter = AnthropicProvider(SECRET_KEY)
    with pytest.raises(ProviderError) as caught:
        adapter._response(
            _message("refusal", [{"type": "text", "text": ""}]), None, False
        )
    assert caught.value.kind is ErrorKind.content


def test_object_schema_is_used_unchanged() -> None:
    schema = persona_schema()
    assert _tool_schema(schema) == (schema, False)
    wrapped, was_wrapped = _tool_schema(
        pydantic.TypeAdapter(list[Persona]).json_schema()
    )
    assert was_wrapped
    assert wrapped["type"] == "object"
    # $defs stay at the root so "#/$defs/..." references still resolve.
    assert "Trait" in wrapped["$defs"]
