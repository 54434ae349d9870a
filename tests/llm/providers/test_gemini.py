"""GeminiProvider through the real ``google-genai`` SDK against the fake server."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pydantic
import pytest
from google.genai import errors as genai_errors
from google.genai import types

from sight.llm.providers.base import ChatProvider, ErrorKind, ProviderError
from sight.llm.providers.gemini import GeminiProvider, map_gemini_error
from sight_testing.fake_llm import FakeLLM
from tests.llm.providers.support import (
    SECRET_KEY,
    Persona,
    dead_base_url,
    make_request,
    persona_schema,
)

MODEL = "gemini-2.5-flash"


@pytest.fixture
async def provider(fake: FakeLLM) -> AsyncIterator[GeminiProvider]:
    adapter = GeminiProvider(SECRET_KEY, base_url=fake.base_url)
    yield adapter
    await adapter.aclose()


async def test_plain_text_with_usage(provider: GeminiProvider, fake: FakeLLM) -> None:
    as_protocol: ChatProvider = provider
    response = await as_protocol.generate(make_request(MODEL))
    assert len(response.text.split()) >= 5
    assert response.input_tokens > 0
    assert response.output_tokens > 0
    assert response.finish_reason == "stop"
    assert response.raw["model"] == MODEL
    assert fake.stats.requests_by_endpoint == {"gemini.generateContent": 1}


async def test_structured_output_follows_the_schema(provider: GeminiProvider) -> None:
    response = await provider.generate(
        make_request(MODEL, json_schema=persona_schema())
    )
    persona = Persona.model_validate_json(response.text)
    assert persona.segment in {"value", "premium", "eco"}
    assert response.output_tokens > 0


async def test_max_tokens_reached_is_length(provider: GeminiProvider) -> None:
    response = await provider.generate(make_request(MODEL, max_tokens=2))
    assert response.finish_reason == "length"


async def test_rate_limit_carries_retry_after_and_is_not_retried(
    provider: GeminiProvider, fake: FakeLLM
) -> None:
    fake.configure(rate_limit_next=1, retry_after_seconds=3)
    with pytest.raises(ProviderError) as caught:
        await provider.generate(make_request(MODEL))
    error = caught.value
    assert error.kind is ErrorKind.rate_limited
    assert error.retry_after == pytest.approx(3.0)
    assert error.status_code == 429
    assert SECRET_KEY not in str(error)
    assert fake.stats.total_requests == 1


async def test_server_error(provider: GeminiProvider, fake: FakeLLM) -> None:
    fake.configure(server_error_next=1, server_error_status=500)
    with pytest.raises(ProviderError) as caught:
        await provider.generate(make_request(MODEL))
    assert caught.value.kind is ErrorKind.server
    assert caught.value.status_code == 500
    assert fake.stats.total_requests == 1


async def test_hang_longer_than_timeout_is_timeout(
    provider: GeminiProvider, fake: FakeLLM
) -> None:
    fake.configure(hang_next=1, hang_seconds=30)
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        await provider.generate(make_request(MODEL, timeout=0.5))
    assert caught.value.kind is ErrorKind.timeout
    assert time.monotonic() - started < 3.0


async def test_malformed_json_is_returned_as_is(
    provider: GeminiProvider, fake: FakeLLM
) -> None:
    fake.configure(malformed_next=1, malformed_mode="invalid")
    response = await provider.generate(
        make_request(MODEL, json_schema=persona_schema())
    )
    assert response.text.startswith("{")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    with pytest.raises(pydantic.ValidationError):
        Persona.model_validate_json(response.text)


async def test_cut_off_http_body_is_a_server_error(
    provider: GeminiProvider, fake: FakeLLM
) -> None:
    fake.configure(malformed_next=1, malformed_mode="http_body")
    with pytest.raises(ProviderError) as caught:
        await provider.generate(make_request(MODEL))
    assert caught.value.kind is ErrorKind.server


async def test_unreachable_server_is_connection() -> None:
    adapter = GeminiProvider(SECRET_KEY, base_url=dead_base_url())
    try:
        with pytest.raises(ProviderError) as caught:
            await adapter.generate(make_request(MODEL))
    finally:
        await adapter.aclose()
    assert caught.value.kind is ErrorKind.connection
    assert SECRET_KEY not in caught.value.message


async def test_missing_key_is_auth_without_a_request(fake: FakeLLM) -> None:
    adapter = GeminiProvider("", base_url=fake.base_url)
    with pytest.raises(ProviderError) as caught:
        await adapter.generate(make_request(MODEL))
    await adapter.aclose()
    assert caught.value.kind is ErrorKind.auth
    assert fake.stats.total_requests == 0


async def test_calls_run_concurrently(provider: GeminiProvider, fake: FakeLLM) -> None:
    fake.configure(latency=0.4)
    started = time.monotonic()
    await asyncio.gather(
        *(provider.generate(make_request(MODEL, prompt=f"q{i}")) for i in range(8))
    )
    assert fake.stats.max_in_flight == 8
    assert time.monotonic() - started < 1.5


# -- answers and errors the fake cannot produce ----------------------------------


def _client_error(status: int, details: list[dict[str, Any]]) -> genai_errors.APIError:
    body = {"error": {"code": status, "message": "x", "details": details}}
    return genai_errors.ClientError(status, body, None)


def test_retry_info_in_the_body_gives_retry_after() -> None:
    # Real Gemini sends no Retry-After header, only google.rpc.RetryInfo.
    error = map_gemini_error(
        _client_error(
            429,
            [
                {
                    "@type": "type.googleapis.com/google.rpc.RetryInfo",
                    "retryDelay": "17s",
                }
            ],
        ),
        "gemini",
        SECRET_KEY,
    )
    assert isinstance(error, ProviderError)
    assert error.kind is ErrorKind.rate_limited
    assert error.retry_after == pytest.approx(17.0)


def test_invalid_key_answered_with_400_is_auth() -> None:
    error = map_gemini_error(
        _client_error(
            400,
            [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                }
            ],
        ),
        "gemini",
        SECRET_KEY,
    )
    assert isinstance(error, ProviderError)
    assert error.kind is ErrorKind.auth
    plain_400 = map_gemini_error(_client_error(400, []), "gemini", SECRET_KEY)
    assert isinstance(plain_400, ProviderError)
    assert plain_400.kind is ErrorKind.bad_request


@pytest.mark.parametrize(
    "payload",
    [
        {"promptFeedback": {"blockReason": "SAFETY"}},
        {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": "par"}]},
                    "finishReason": "SAFETY",
                }
            ]
        },
    ],
)
def test_safety_block_is_content(payload: dict[str, Any]) -> None:
    adapter = GeminiProvider(SECRET_KEY)
    response = types.GenerateContentResponse.model_validate(payload)
    with pytest.raises(ProviderError) as caught:
        adapter._response(response)
    assert caught.value.kind is ErrorKind.content


def test_thinking_tokens_count_as_output_and_thoughts_are_not_text() -> None:
    adapter = GeminiProvider(SECRET_KEY)
    response = types.GenerateContentResponse.model_validate(
        {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [
                            {"text": "thinking...", "thought": True},
                            {"text": "answer"},
                        ],
                    },
                    "finishReason": "STOP",
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 10,
                "candidatesTokenCount": 5,
                "thoughtsTokenCount": 20,
            },
        }
    )
    result = adapter._response(response)
    assert result.text == "answer"
    assert (result.input_tokens, result.output_tokens) == (10, 25)
