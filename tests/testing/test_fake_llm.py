"""The fake LLM server, driven through the real OpenAI, Gemini and Anthropic SDKs."""

from __future__ import annotations

import asyncio
import json
import math
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

import anthropic
import httpx
import openai
import pydantic
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types
from pydantic import BaseModel, Field

from sight_testing.fake_llm import (
    FakeLLM,
    FakeLLMConfig,
    LatencySpec,
    instance_from_schema,
    running_fake_llm,
)

USER = [{"role": "user", "content": "Describe a shopper in one line."}]
CLAUDE = "claude-test"  # any name works; real ones may warn about deprecation


class Shopper(BaseModel):
    name: str = Field(min_length=3, max_length=24)
    age: int = Field(ge=18, le=80)
    budget: float = Field(gt=10, lt=500)
    segment: Literal["value", "premium", "eco"]
    interests: list[str] = Field(min_length=2, max_length=4)
    partner: Shopper | None = None


class Panel(BaseModel):
    shoppers: list[Shopper] = Field(min_length=2, max_length=3)
    summary: str


class GeminiShopper(BaseModel):
    """google-genai's response_schema rejects exclusive bounds client-side."""

    name: str = Field(min_length=3, max_length=24)
    age: int = Field(ge=18, le=80)
    segment: Literal["value", "premium", "eco"]
    interests: list[str] = Field(min_length=2, max_length=4)


# -- fixtures ----------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLM]:
    with running_fake_llm(FakeLLMConfig()) as fake:
        yield fake


@pytest.fixture
def fake(server: FakeLLM) -> FakeLLM:
    server.reset()
    return server


@pytest.fixture
async def oai(fake: FakeLLM) -> AsyncIterator[openai.AsyncOpenAI]:
    client = openai.AsyncOpenAI(
        base_url=fake.openai_base_url, api_key="test", max_retries=0
    )
    yield client
    await client.close()


@pytest.fixture
async def gem(fake: FakeLLM) -> AsyncIterator[genai.Client]:
    client = genai.Client(
        api_key="test", http_options=genai_types.HttpOptions(base_url=fake.base_url)
    )
    yield client
    await client.aio.aclose()


@pytest.fixture
async def claude(fake: FakeLLM) -> AsyncIterator[anthropic.AsyncAnthropic]:
    client = anthropic.AsyncAnthropic(
        base_url=fake.base_url, api_key="test", max_retries=0
    )
    yield client
    await client.close()


def _is_json(text: str | None) -> bool:
    try:
        json.loads(text or "")
    except ValueError:
        return False
    return True


# -- OpenAI --------------------------------------------------------------------


async def test_openai_structured_output_parses_and_is_deterministic(
    oai: openai.AsyncOpenAI,
) -> None:
    first = await oai.chat.completions.parse(
        model="gpt-4.1-mini", messages=USER, response_format=Panel
    )
    again = await oai.chat.completions.parse(
        model="gpt-4.1-mini", messages=USER, response_format=Panel
    )
    other = await oai.chat.completions.parse(
        model="gpt-4.1-mini",
        messages=[{"role": "user", "content": "Something else entirely."}],
        response_format=Panel,
    )
    panel = first.choices[0].message.parsed
    assert isinstance(panel, Panel)
    assert 2 <= len(panel.shoppers) <= 3
    assert all(10 < s.budget < 500 for s in panel.shoppers)
    assert again.choices[0].message.content == first.choices[0].message.content
    assert other.choices[0].message.content != first.choices[0].message.content
    usage = first.usage
    assert usage is not None
    content = first.choices[0].message.content or ""
    assert usage.completion_tokens == max(1, len(content) // 4)
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


async def test_openai_json_object_mode_returns_json(oai: openai.AsyncOpenAI) -> None:
    result = await oai.chat.completions.create(
        model="gpt-4.1-mini",
        messages=USER,
        response_format={"type": "json_object"},
    )
    assert isinstance(json.loads(result.choices[0].message.content or ""), dict)


async def test_openai_streaming_yields_chunks_matching_full_reply(
    oai: openai.AsyncOpenAI,
) -> None:
    full = await oai.chat.completions.create(model="gpt-4.1-mini", messages=USER)
    stream = await oai.chat.completions.create(
        model="gpt-4.1-mini",
        messages=USER,
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces: list[str] = []
    finish: list[str] = []
    usage_seen = False
    async for chunk in stream:
        if chunk.usage is not None:
            usage_seen = True
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
            if choice.finish_reason:
                finish.append(choice.finish_reason)
    assert len(pieces) > 1
    assert "".join(pieces) == full.choices[0].message.content
    assert finish == ["stop"]
    assert usage_seen


async def test_openai_max_tokens_truncates_with_length_finish(
    oai: openai.AsyncOpenAI,
) -> None:
    result = await oai.chat.completions.create(
        model="gpt-4.1-mini", messages=USER, max_completion_tokens=2
    )
    assert result.choices[0].finish_reason == "length"
    assert len(result.choices[0].message.content or "") <= 8


async def test_openai_embeddings_have_requested_dimension(
    oai: openai.AsyncOpenAI,
) -> None:
    texts = ["price matters to families", "price matters to students", "zebra"]
    result = await oai.embeddings.create(
        model="text-embedding-3-small", input=texts, dimensions=256
    )
    floats = await oai.embeddings.create(
        model="text-embedding-3-small",
        input=texts[0],
        dimensions=256,
        encoding_format="float",
    )
    vectors = [d.embedding for d in result.data]
    assert [len(v) for v in vectors] == [256, 256, 256]
    assert all(math.isclose(sum(x * x for x in v), 1.0, rel_tol=1e-4) for v in vectors)
    assert floats.data[0].embedding == pytest.approx(vectors[0], abs=1e-6)

    def cos(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cos(vectors[0], vectors[1]) > cos(vectors[0], vectors[2])
    default = await oai.embeddings.create(model="text-embedding-3-small", input="x")
    assert len(default.data[0].embedding) == 1536


async def test_openai_rate_limit_burst_raises_then_recovers(
    fake: FakeLLM, oai: openai.AsyncOpenAI
) -> None:
    fake.configure(rate_limit_next=2, retry_after_seconds=3)
    for _ in range(2):
        with pytest.raises(openai.RateLimitError) as caught:
            await oai.chat.completions.create(model="gpt-4.1-mini", messages=USER)
        assert caught.value.response.headers["retry-after"] == "3"
    ok = await oai.chat.completions.create(model="gpt-4.1-mini", messages=USER)
    assert ok.choices[0].message.content
    stats = fake.stats
    assert stats.faults_injected == {"rate_limit": 2}
    assert [r.status for r in stats.requests] == [429, 429, 200]


async def test_openai_server_error_and_fault_endpoint_filter(
    fake: FakeLLM, oai: openai.AsyncOpenAI
) -> None:
    fake.configure(
        server_error_next=1,
        server_error_status=503,
        fault_endpoints=["openai.embeddings"],
    )
    await oai.chat.completions.create(model="gpt-4.1-mini", messages=USER)
    with pytest.raises(openai.InternalServerError) as caught:
        await oai.embeddings.create(model="text-embedding-3-small", input="x")
    assert caught.value.status_code == 503


@pytest.mark.parametrize("mode", ["truncated", "invalid"])
async def test_openai_malformed_content_is_returned_malformed(
    fake: FakeLLM, oai: openai.AsyncOpenAI, mode: str
) -> None:
    fake.configure(malformed_next=1, malformed_mode=mode)
    bad = await oai.chat.completions.create(
        model="gpt-4.1-mini",
        messages=USER,
        response_format={"type": "json_object"},
    )
    good = await oai.chat.completions.create(
        model="gpt-4.1-mini",
        messages=USER,
        response_format={"type": "json_object"},
    )
    assert bad.choices[0].message.content
    assert not _is_json(bad.choices[0].message.content)
    assert _is_json(good.choices[0].message.content)
    fake.configure(malformed_next=1)
    with pytest.raises(pydantic.ValidationError):
        await oai.chat.completions.parse(
            model="gpt-4.1-mini", messages=USER, response_format=Panel
        )


async def test_openai_malformed_http_body_breaks_the_sdk(
    fake: FakeLLM, oai: openai.AsyncOpenAI
) -> None:
    fake.configure(malformed_next=1, malformed_mode="http_body")
    with pytest.raises(json.JSONDecodeError):
        await oai.chat.completions.create(model="gpt-4.1-mini", messages=USER)


async def test_hang_times_out_client_and_frees_the_slot(
    fake: FakeLLM, oai: openai.AsyncOpenAI
) -> None:
    fake.configure(hang_next=1, hang_seconds=30)
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        await oai.chat.completions.create(
            model="gpt-4.1-mini", messages=USER, timeout=0.3
        )
    assert time.monotonic() - started < 5
    for _ in range(40):
        if fake.stats.in_flight == 0:
            break
        await asyncio.sleep(0.05)
    stats = fake.stats
    assert stats.in_flight == 0
    assert stats.requests[0].status == 499
    assert stats.requests[0].fault == "hang"


async def test_max_concurrency_counts_parallel_requests(
    fake: FakeLLM, oai: openai.AsyncOpenAI
) -> None:
    fake.configure(latency=0.2)
    started = time.monotonic()
    await asyncio.gather(
        *(oai.chat.completions.create(model="m", messages=USER) for _ in range(10))
    )
    elapsed = time.monotonic() - started
    stats = fake.stats
    assert stats.max_in_flight == 10
    assert stats.in_flight == 0
    assert stats.count("openai.chat.completions") == 10
    assert 0.2 <= elapsed < 1.5
    assert all((r.duration or 0) >= 0.2 for r in stats.requests)

    fake.reset_stats()
    gate = asyncio.Semaphore(3)

    async def capped() -> None:
        async with gate:
            await oai.chat.completions.create(model="m", messages=USER)

    await asyncio.gather(*(capped() for _ in range(10)))
    assert fake.stats.max_in_flight == 3


async def test_latency_distribution_is_honoured(
    fake: FakeLLM, oai: openai.AsyncOpenAI
) -> None:
    fake.configure(latency=LatencySpec.uniform(0.1, 0.25))
    for _ in range(3):
        await oai.chat.completions.create(model="m", messages=USER)
    durations = [r.duration or 0.0 for r in fake.stats.requests]
    assert all(0.1 <= d < 0.6 for d in durations)


async def test_canned_response_for_matching_user_message(
    fake: FakeLLM, oai: openai.AsyncOpenAI
) -> None:
    fake.add_canned("favourite colour", "Blue, obviously.")
    hit = await oai.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "What is your favourite colour?"}],
    )
    miss = await oai.chat.completions.create(model="m", messages=USER)
    assert hit.choices[0].message.content == "Blue, obviously."
    assert miss.choices[0].message.content != "Blue, obviously."


# -- Gemini --------------------------------------------------------------------


async def test_gemini_structured_output_parses(gem: genai.Client) -> None:
    config = genai_types.GenerateContentConfig(
        response_mime_type="application/json",
        response_schema=list[GeminiShopper],
    )
    result = await gem.aio.models.generate_content(
        model="gemini-2.5-flash", contents="List shoppers.", config=config
    )
    assert isinstance(result.parsed, list)
    assert result.parsed
    assert all(isinstance(s, GeminiShopper) for s in result.parsed)
    usage = result.usage_metadata
    assert usage is not None
    assert usage.candidates_token_count == max(1, len(result.text or "") // 4)

    json_config = genai_types.GenerateContentConfig(
        response_mime_type="application/json",
        response_json_schema=Panel.model_json_schema(),
    )
    raw = await gem.aio.models.generate_content(
        model="gemini-2.5-flash", contents="Panel please.", config=json_config
    )
    Panel.model_validate_json(raw.text or "")


async def test_gemini_streaming_yields_chunks(gem: genai.Client) -> None:
    full = await gem.aio.models.generate_content(
        model="gemini-2.5-flash", contents="Tell me about shoppers."
    )
    pieces: list[str] = []
    last: Any = None
    async for chunk in await gem.aio.models.generate_content_stream(
        model="gemini-2.5-flash", contents="Tell me about shoppers."
    ):
        pieces.append(chunk.text or "")
        last = chunk
    assert len(pieces) > 1
    assert "".join(pieces) == full.text
    assert last.candidates[0].finish_reason == genai_types.FinishReason.STOP
    assert last.usage_metadata.candidates_token_count == max(1, len(full.text) // 4)


async def test_gemini_embeddings_have_requested_dimension(
    fake: FakeLLM, gem: genai.Client
) -> None:
    result = await gem.aio.models.embed_content(
        model="gemini-embedding-001",
        contents=["first text", "second text", "third"],
        config=genai_types.EmbedContentConfig(output_dimensionality=48),
    )
    assert result.embeddings is not None
    assert [len(e.values or []) for e in result.embeddings] == [48, 48, 48]
    assert fake.stats.count("gemini.batchEmbedContents") == 1
    async with httpx.AsyncClient() as client:
        single = await client.post(
            f"{fake.base_url}/v1beta/models/text-embedding-004:embedContent",
            json={"content": {"parts": [{"text": "first text"}]}},
        )
    assert len(single.json()["embedding"]["values"]) == 768


async def test_gemini_errors_map_to_sdk_exceptions(
    fake: FakeLLM, gem: genai.Client
) -> None:
    fake.configure(rate_limit_next=1, server_error_next=1)
    with pytest.raises(genai_errors.ClientError) as limited:
        await gem.aio.models.generate_content(model="gemini-2.5-flash", contents="x")
    with pytest.raises(genai_errors.ServerError) as failed:
        await gem.aio.models.generate_content(model="gemini-2.5-flash", contents="x")
    assert (limited.value.code, limited.value.status) == (429, "RESOURCE_EXHAUSTED")
    assert failed.value.code == 500


# -- Anthropic -----------------------------------------------------------------


async def test_anthropic_structured_output_parses(
    claude: anthropic.AsyncAnthropic,
) -> None:
    message = await claude.messages.parse(
        model=CLAUDE, max_tokens=2000, messages=USER, output_format=Panel
    )
    assert isinstance(message.parsed_output, Panel)
    assert all(18 <= s.age <= 80 for s in message.parsed_output.shoppers)


async def test_anthropic_forced_tool_use_input_matches_schema(
    claude: anthropic.AsyncAnthropic,
) -> None:
    message = await claude.messages.create(
        model=CLAUDE,
        max_tokens=500,
        messages=USER,
        tools=[
            {
                "name": "record_shopper",
                "description": "Record one shopper.",
                "input_schema": GeminiShopper.model_json_schema(),
            }
        ],
        tool_choice={"type": "tool", "name": "record_shopper"},
    )
    block = message.content[0]
    assert block.type == "tool_use"
    assert message.stop_reason == "tool_use"
    GeminiShopper.model_validate(block.input)


async def test_anthropic_streaming_and_rate_limit(
    fake: FakeLLM, claude: anthropic.AsyncAnthropic
) -> None:
    async with claude.messages.stream(
        model=CLAUDE, max_tokens=500, messages=USER
    ) as stream:
        pieces = [text async for text in stream.text_stream]
        final = await stream.get_final_message()
    assert len(pieces) > 1
    assert final.content[0].type == "text"
    assert "".join(pieces) == final.content[0].text
    assert final.usage.output_tokens == max(1, len(final.content[0].text) // 4)

    fake.configure(rate_limit_next=1, retry_after_seconds=2)
    with pytest.raises(anthropic.RateLimitError) as caught:
        await claude.messages.create(model=CLAUDE, max_tokens=100, messages=USER)
    assert caught.value.response.headers["retry-after"] == "2"


# -- control plane, runner, CLI ----------------------------------------------


def test_control_endpoint_and_sync_client(fake: FakeLLM) -> None:
    bad = httpx.post(f"{fake.base_url}/_control", json={"rate_limit_next": -1})
    assert bad.status_code == 422
    ok = httpx.post(
        f"{fake.base_url}/_control", json={"rate_limit_next": 1, "reset_stats": True}
    )
    assert ok.json()["stats"]["pending_faults"]["rate_limit"] == 1
    client = openai.OpenAI(base_url=fake.openai_base_url, api_key="test", max_retries=0)
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="m", messages=USER)
    assert client.models.list().data
    stats = httpx.get(f"{fake.base_url}/_stats").json()
    assert stats["requests_by_endpoint"] == {
        "openai.chat.completions": 1,
        "openai.models": 1,
    }
    assert stats["faults_injected"] == {"rate_limit": 1}
    assert stats["requests"][0]["started_at"] <= stats["requests"][0]["finished_at"]


async def test_stop_releases_hanging_requests() -> None:
    fake = running_fake_llm(FakeLLMConfig(hang_next=1, hang_seconds=60))
    async with httpx.AsyncClient(timeout=30) as client:
        pending = asyncio.create_task(
            client.post(
                f"{fake.openai_base_url}/chat/completions",
                json={"model": "m", "messages": USER},
            )
        )
        for _ in range(250):
            if fake.stats.in_flight:
                break
            await asyncio.sleep(0.02)
        assert fake.stats.in_flight == 1
        started = time.monotonic()
        await asyncio.to_thread(fake.stop)
        assert time.monotonic() - started < 5
        try:
            response = await pending
        except httpx.HTTPError:
            pass  # the connection was closed: also a release
        else:
            assert response.status_code == 499
    assert fake.stats.in_flight == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_command_line_entry_point() -> None:
    port = _free_port()
    args = ["--port", str(port), "--rate-limit-next", "1", "--latency", "0.05"]
    process = subprocess.Popen(
        [sys.executable, "-m", "sight_testing.fake_llm", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base}/_health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stderr
            assert time.monotonic() < deadline, "CLI server did not start"
            time.sleep(0.1)
        body = {"model": "m", "messages": USER}
        first = httpx.post(f"{base}/v1/chat/completions", json=body)
        second = httpx.post(f"{base}/v1/chat/completions", json=body)
        assert first.status_code == 429
        assert second.status_code == 200
        assert httpx.get(f"{base}/_control").json()["latency"]["seconds"] == 0.05
    finally:
        process.terminate()
        process.wait(timeout=10)


# -- schema filler -----------------------------------------------------------


SCHEMAS: list[dict[str, Any]] = [
    Panel.model_json_schema(),
    {
        "type": "array",
        "items": {"type": "integer", "exclusiveMinimum": 5, "exclusiveMaximum": 7},
        "minItems": 4,
        "maxItems": 4,
    },
    {"type": ["string", "null"], "minLength": 40, "maxLength": 41},
    {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "integer"}}},
            {"properties": {"b": {"const": 3}}, "required": ["a", "b"]},
        ]
    },
    {
        "type": "object",
        "additionalProperties": {"type": "number", "minimum": -5, "maximum": -4},
        "minProperties": 3,
    },
    {
        "type": "array",
        "items": {"enum": ["x", "y", "z"]},
        "minItems": 3,
        "uniqueItems": True,
    },
    {
        "$ref": "#/definitions/a",
        "definitions": {
            "a": {
                "type": "object",
                "properties": {"at": {"$ref": "#/definitions/b"}},
                "required": ["at"],
            },
            "b": {"type": "string", "format": "date-time"},
        },
    },
    {"type": "number", "multipleOf": 0.5, "minimum": 2, "maximum": 3},
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_schema_instances_validate(schema: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    checker = jsonschema.FormatChecker()
    for seed in range(50):
        value = instance_from_schema(schema, seed)
        jsonschema.validate(value, schema, format_checker=checker)
    assert instance_from_schema(schema, 7) == instance_from_schema(schema, 7)


def test_schema_filler_reads_gemini_and_anthropic_dialects() -> None:
    gemini = {
        "type": "OBJECT",
        "properties": {
            "tags": {"type": "ARRAY", "items": {"type": "STRING"}, "min_items": "3"},
            "score": {"type": "INTEGER", "minimum": 7.0, "maximum": 7.0},
            "note": {"nullable": True},
        },
        "property_ordering": ["score", "tags", "note"],
        "required": ["tags", "score"],
    }
    value = instance_from_schema(gemini, 1)
    assert list(value) == ["score", "tags", "note"]
    assert value["score"] == 7
    assert len(value["tags"]) >= 3
    assert value["note"] is None
    anthropic_style = {
        "type": "integer",
        "description": "Age\n\n{minimum: 40, maximum: 41}",
    }
    assert all(instance_from_schema(anthropic_style, s) in (40, 41) for s in range(20))


def test_fake_servers_are_not_part_of_the_installed_package() -> None:
    """The wheel ships `src/sight` only; the fakes live beside it."""
    import importlib.util
    import tomllib
    from pathlib import Path

    assert importlib.util.find_spec("sight.testing") is None
    pyproject = tomllib.loads(
        (Path(__file__).parents[2] / "pyproject.toml").read_text()
    )
    shipped = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert shipped == ["src/sight"]
    assert importlib.util.find_spec("sight_testing.fake_llm") is not None


# -- faults added for the gateway's hardening tests ------------------------------


async def test_client_error_is_the_providers_own_4xx(
    oai: openai.AsyncOpenAI, claude: anthropic.AsyncAnthropic, fake: FakeLLM
) -> None:
    fake.configure(client_error_next=2, client_error_status=401)
    with pytest.raises(openai.AuthenticationError) as denied:
        await oai.chat.completions.create(model="gpt-4.1-mini", messages=USER)  # type: ignore[arg-type]
    assert denied.value.code == "invalid_api_key"
    with pytest.raises(anthropic.AuthenticationError):
        await claude.messages.create(model=CLAUDE, max_tokens=50, messages=USER)  # type: ignore[arg-type]
    answer = await oai.chat.completions.create(model="gpt-4.1-mini", messages=USER)  # type: ignore[arg-type]
    assert answer.choices[0].message.content
    assert fake.stats.faults_injected == {"client_error": 2}


async def test_rate_limit_window_refuses_everything_until_it_ends(
    oai: openai.AsyncOpenAI, fake: FakeLLM
) -> None:
    fake.configure(rate_limit_window_seconds=0.6, retry_after_seconds=0.2)
    for _ in range(3):
        with pytest.raises(openai.RateLimitError) as limited:
            await oai.chat.completions.create(model="gpt-4.1-mini", messages=USER)  # type: ignore[arg-type]
        assert limited.value.response.headers["retry-after"] == "0.2"
    await asyncio.sleep(0.7)
    answer = await oai.chat.completions.create(model="gpt-4.1-mini", messages=USER)  # type: ignore[arg-type]
    assert answer.choices[0].message.content


async def test_each_request_records_the_key_it_presented(
    oai: openai.AsyncOpenAI,
    gem: genai.Client,
    claude: anthropic.AsyncAnthropic,
    fake: FakeLLM,
) -> None:
    await oai.chat.completions.create(model="gpt-4.1-mini", messages=USER)  # type: ignore[arg-type]
    await gem.aio.models.generate_content(model="gemini-2.5-flash", contents="hi")
    await claude.messages.create(model=CLAUDE, max_tokens=50, messages=USER)  # type: ignore[arg-type]
    assert [r.api_key for r in fake.stats.requests] == ["test", "test", "test"]
