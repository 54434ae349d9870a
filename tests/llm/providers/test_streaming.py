"""Streaming through each provider SDK against the fake server's own wire
format (OpenAI chunks ending in `data: [DONE]`, Gemini `streamGenerateContent
?alt=sse`, Anthropic message_start ... message_stop), and the offline engine."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable

import pytest

from sight.llm.providers.anthropic import AnthropicProvider
from sight.llm.providers.base import (
    ChatProvider,
    ErrorKind,
    ProviderDelta,
    ProviderError,
    ProviderRequest,
    ProviderResponse,
)
from sight.llm.providers.gemini import GeminiProvider
from sight.llm.providers.offline import OfflineProvider
from sight.llm.providers.openai_compat import OpenAICompatProvider
from sight_testing.fake_llm import FakeLLM
from tests.llm.providers.support import (
    SECRET_KEY,
    Persona,
    make_request,
    persona_schema,
)

MODELS = {
    "openai": "gpt-4.1-mini",
    "gemini": "gemini-2.5-flash",
    "anthropic": "claude-test",
}
ENDPOINTS = {
    "openai": "openai.chat.completions",
    "gemini": "gemini.streamGenerateContent",
    "anthropic": "anthropic.messages",
}
BUILDERS: dict[str, Callable[[FakeLLM], ChatProvider]] = {
    "openai": lambda fake: OpenAICompatProvider(SECRET_KEY, fake.openai_base_url),
    "gemini": lambda fake: GeminiProvider(SECRET_KEY, base_url=fake.base_url),
    "anthropic": lambda fake: AnthropicProvider(SECRET_KEY, base_url=fake.base_url),
}


@pytest.fixture(params=sorted(BUILDERS))
async def sdk(
    request: pytest.FixtureRequest, fake: FakeLLM
) -> AsyncIterator[tuple[str, ChatProvider]]:
    name: str = request.param
    provider = BUILDERS[name](fake)
    yield name, provider
    await provider.aclose()


async def _collect(
    provider: ChatProvider, request: ProviderRequest
) -> tuple[list[str], ProviderResponse, float, float]:
    """(deltas, final, seconds to first delta, seconds in total)."""
    started = time.perf_counter()
    first: float | None = None
    deltas: list[str] = []
    final: ProviderResponse | None = None
    async for item in provider.stream(request):
        if isinstance(item, ProviderDelta):
            if first is None:
                first = time.perf_counter() - started
            deltas.append(item.text)
        else:
            assert final is None, "exactly one final response"
            final = item
    assert final is not None
    assert first is not None
    return deltas, final, first, time.perf_counter() - started


async def test_text_arrives_in_pieces_before_the_answer_is_complete(
    sdk: tuple[str, ChatProvider], fake: FakeLLM
) -> None:
    name, provider = sdk
    fake.configure(latency=0.3, stream_chunk_delay=0.05, reply_min_words=30)
    deltas, final, first, total = await _collect(provider, make_request(MODELS[name]))
    assert len(deltas) >= 5
    assert "".join(deltas) == final.text
    assert len(final.text.split()) >= 30
    assert final.finish_reason == "stop"
    assert final.input_tokens > 0
    assert final.output_tokens > 0
    # First words after the provider's latency, well before the last ones.
    assert 0.3 <= first < total - 0.2
    assert fake.stats.requests_by_endpoint == {ENDPOINTS[name]: 1}


async def test_structured_stream_ends_with_the_whole_json(
    sdk: tuple[str, ChatProvider], fake: FakeLLM
) -> None:
    name, provider = sdk
    deltas, final, _, _ = await _collect(
        provider, make_request(MODELS[name], json_schema=persona_schema())
    )
    assert deltas
    Persona.model_validate(json.loads(final.text))


async def test_rate_limit_before_the_stream_is_an_error_with_retry_after(
    sdk: tuple[str, ChatProvider], fake: FakeLLM
) -> None:
    name, provider = sdk
    fake.configure(rate_limit_next=1, retry_after_seconds=2)
    with pytest.raises(ProviderError) as caught:
        await _collect(provider, make_request(MODELS[name]))
    assert caught.value.kind == ErrorKind.rate_limited
    if name != "gemini":  # Gemini's 429 carries no Retry-After header
        assert caught.value.retry_after == pytest.approx(2)


async def test_stream_broken_midway_is_a_retryable_error(
    sdk: tuple[str, ChatProvider], fake: FakeLLM
) -> None:
    name, provider = sdk
    fake.configure(
        malformed_next=1,
        malformed_mode="http_body",
        stream_break_index=4,
        reply_min_words=40,
    )
    received: list[str] = []

    async def read() -> None:
        async for item in provider.stream(make_request(MODELS[name])):
            if isinstance(item, ProviderDelta):
                received.append(item.text)

    with pytest.raises(ProviderError) as caught:
        await read()
    assert caught.value.retryable
    assert received, "some text arrived before the break"
    assert SECRET_KEY not in caught.value.message


async def test_offline_engine_streams_word_by_word_at_its_pace() -> None:
    provider = OfflineProvider(word_pace=0.01)
    started = time.perf_counter()
    pieces = [
        item.text
        async for item in provider.stream(make_request("offline"))
        if isinstance(item, ProviderDelta)
    ]
    elapsed = time.perf_counter() - started
    text = "".join(pieces)
    assert len(pieces) == len(text.split()) >= 12
    assert elapsed >= 0.01 * (len(pieces) - 1)
    instant = OfflineProvider()
    again = [item async for item in instant.stream(make_request("offline"))]
    final = again[-1]
    assert isinstance(final, ProviderResponse)
    assert final.text == text  # deterministic, pace or not
