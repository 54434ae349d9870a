"""OpenAICompatProvider through the real ``openai`` SDK against the fake server,
plus Ollama detection against a small stand-in server."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pydantic
import pytest
from openai.types.chat import ChatCompletion

from sight.llm.providers.base import ChatProvider, ErrorKind, ProviderError
from sight.llm.providers.openai_compat import (
    OpenAICompatProvider,
    _uses_max_completion_tokens,
    detect_ollama,
)
from sight_testing.fake_llm import FakeLLM
from tests.llm.providers.support import (
    SECRET_KEY,
    Persona,
    dead_base_url,
    make_request,
    persona_schema,
)

MODEL = "gpt-4.1-mini"


@pytest.fixture
async def provider(fake: FakeLLM) -> AsyncIterator[OpenAICompatProvider]:
    adapter = OpenAICompatProvider(SECRET_KEY, fake.openai_base_url)
    yield adapter
    await adapter.aclose()


async def test_plain_text_with_usage(
    provider: OpenAICompatProvider, fake: FakeLLM
) -> None:
    as_protocol: ChatProvider = provider
    response = await as_protocol.generate(make_request(MODEL))
    assert len(response.text.split()) >= 5
    assert response.input_tokens > 0
    assert response.output_tokens > 0
    assert response.finish_reason == "stop"
    assert response.raw["model"] == MODEL
    assert fake.stats.requests_by_endpoint == {"openai.chat.completions": 1}
    assert provider.name == "openai"


async def test_structured_output_follows_the_schema(
    provider: OpenAICompatProvider,
) -> None:
    response = await provider.generate(
        make_request(MODEL, json_schema=persona_schema())
    )
    persona = Persona.model_validate_json(response.text)
    assert 18 <= persona.age <= 90
    assert response.output_tokens > 0


async def test_max_tokens_reached_is_length(provider: OpenAICompatProvider) -> None:
    response = await provider.generate(make_request(MODEL, max_tokens=2))
    assert response.finish_reason == "length"


async def test_rate_limit_carries_retry_after_and_is_not_retried(
    provider: OpenAICompatProvider, fake: FakeLLM
) -> None:
    fake.configure(rate_limit_next=1, retry_after_seconds=2.5)
    with pytest.raises(ProviderError) as caught:
        await provider.generate(make_request(MODEL))
    error = caught.value
    assert error.kind is ErrorKind.rate_limited
    assert error.retry_after == pytest.approx(2.5)
    assert error.status_code == 429
    assert error.retryable
    assert SECRET_KEY not in str(error)
    # SDK retries are off: the gateway decides; one request reached the server.
    assert fake.stats.total_requests == 1


async def test_server_error(provider: OpenAICompatProvider, fake: FakeLLM) -> None:
    fake.configure(server_error_next=1, server_error_status=503)
    with pytest.raises(ProviderError) as caught:
        await provider.generate(make_request(MODEL))
    assert caught.value.kind is ErrorKind.server
    assert caught.value.status_code == 503
    assert fake.stats.total_requests == 1


async def test_hang_longer_than_timeout_is_timeout(
    provider: OpenAICompatProvider, fake: FakeLLM
) -> None:
    fake.configure(hang_next=1, hang_seconds=30)
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        await provider.generate(make_request(MODEL, timeout=0.5))
    assert caught.value.kind is ErrorKind.timeout
    assert time.monotonic() - started < 3.0


async def test_malformed_json_is_returned_as_is(
    provider: OpenAICompatProvider, fake: FakeLLM
) -> None:
    fake.configure(malformed_next=1, malformed_mode="truncated")
    response = await provider.generate(
        make_request(MODEL, json_schema=persona_schema())
    )
    assert response.text.startswith("{")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    with pytest.raises(pydantic.ValidationError):
        Persona.model_validate_json(response.text)


async def test_cut_off_http_body_is_a_server_error(
    provider: OpenAICompatProvider, fake: FakeLLM
) -> None:
    fake.configure(malformed_next=1, malformed_mode="http_body")
    with pytest.raises(ProviderError) as caught:
        await provider.generate(make_request(MODEL))
    assert caught.value.kind is ErrorKind.server


async def test_unreachable_server_is_connection() -> None:
    adapter = OpenAICompatProvider(None, dead_base_url() + "/v1", name="ollama")
    try:
        with pytest.raises(ProviderError) as caught:
            await adapter.generate(make_request("llama3.2"))
    finally:
        await adapter.aclose()
    assert caught.value.kind is ErrorKind.connection
    assert caught.value.retryable


async def test_calls_run_concurrently(
    provider: OpenAICompatProvider, fake: FakeLLM
) -> None:
    fake.configure(latency=0.4)
    started = time.monotonic()
    results = await asyncio.gather(
        *(provider.generate(make_request(MODEL, prompt=f"q{i}")) for i in range(8))
    )
    elapsed = time.monotonic() - started
    assert len(results) == 8
    assert fake.stats.max_in_flight == 8
    assert elapsed < 1.5  # 8 serial calls would take 3.2 s


def _completion(finish: str, refusal: str | None = None) -> ChatCompletion:
    return ChatCompletion.model_validate(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": finish,
                    "message": {
                        "role": "assistant",
                        "content": None if refusal else "partial",
                        "refusal": refusal,
                    },
                }
            ],
        }
    )


@pytest.mark.parametrize(
    ("finish", "refusal"),
    [("content_filter", None), ("stop", "I can't help with that.")],
)
def test_filtered_or_refused_answer_is_content(
    finish: str, refusal: str | None
) -> None:
    adapter = OpenAICompatProvider("key", "http://127.0.0.1:9/v1")
    with pytest.raises(ProviderError) as caught:
        adapter._response(_completion(finish, refusal))
    assert caught.value.kind is ErrorKind.content
    assert not caught.value.retryable


def test_token_parameter_follows_the_server() -> None:
    assert _uses_max_completion_tokens(None)
    assert _uses_max_completion_tokens("https://api.openai.com/v1")
    assert not _uses_max_completion_tokens("http://127.0.0.1:11434/v1")
    assert not _uses_max_completion_tokens("https://openrouter.ai/api/v1")


# -- Ollama detection ----------------------------------------------------------


class _StandIn(BaseHTTPRequestHandler):
    """Answers GET /api/tags the way Ollama does (or not, per server attr)."""

    def do_GET(self) -> None:
        payload: Any = getattr(self.server, "payload", None)
        if self.path != "/api/tags" or payload is None:
            self.send_error(404)
            return
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def stand_in() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


async def test_detect_ollama_lists_models(stand_in: ThreadingHTTPServer) -> None:
    stand_in.payload = {  # type: ignore[attr-defined]
        "models": [
            {"name": "llama3.2:latest", "model": "llama3.2:latest", "size": 1},
            {"name": "qwen3:8b", "model": "qwen3:8b", "size": 2},
        ]
    }
    assert await detect_ollama(_url(stand_in)) == ["llama3.2:latest", "qwen3:8b"]


async def test_detect_ollama_without_models(stand_in: ThreadingHTTPServer) -> None:
    stand_in.payload = {"models": []}  # type: ignore[attr-defined]
    assert await detect_ollama(_url(stand_in) + "/") == []


async def test_detect_ollama_other_server_is_none(
    stand_in: ThreadingHTTPServer,
) -> None:
    # Something answers on the port, but not Ollama's API.
    assert await detect_ollama(_url(stand_in)) is None
    stand_in.payload = {"status": "ok"}  # type: ignore[attr-defined]
    assert await detect_ollama(_url(stand_in)) is None


async def test_detect_ollama_nothing_listening_is_none() -> None:
    started = time.monotonic()
    assert await detect_ollama(dead_base_url(), timeout=0.5) is None
    assert time.monotonic() - started < 2.0
