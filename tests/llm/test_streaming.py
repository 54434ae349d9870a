"""`LLMGateway.stream` through each provider SDK against the fake servers, and
through the offline engine: same routing, limits, budget, cache, usage and cost
as `generate`, text as it is written, a validated result at the end."""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest
from pydantic import BaseModel, Field

from sight.llm.budget import BudgetExceeded
from sight.llm.gateway import LLMGateway, LLMProviderFailed
from sight.llm.types import CallContext, LLMResult, StreamDone, TextDelta
from sight_testing.fake_llm import FakeLLM
from tests.llm.conftest import gateway_for, insert_user, provider_settings

KEY = "sk-test-stream-0123456789"


class Opinion(BaseModel):
    summary: str
    score: int = Field(ge=1, le=5)
    reasons: list[str] = Field(min_length=1, max_length=4)


async def _drain(
    gateway: LLMGateway,
    prompt: str,
    user: object,
    output: type[BaseModel] | None = None,
    flow: str = "focus_groups.answer",
) -> tuple[list[str], LLMResult[object], float, float]:
    started = time.perf_counter()
    first: float | None = None
    deltas: list[str] = []
    done: LLMResult[object] | None = None
    async for item in gateway.stream(
        flow,
        output,
        system="You are a respondent.",
        prompt=prompt,
        ctx=CallContext(user_id=user),  # type: ignore[arg-type]
    ):
        if isinstance(item, TextDelta):
            first = first if first is not None else time.perf_counter() - started
            deltas.append(item.text)
        else:
            assert isinstance(item, StreamDone)
            assert done is None
            done = item.result
    assert done is not None
    return deltas, done, first or 0.0, time.perf_counter() - started


def _rows(database_url: str, user: object) -> list[tuple[str, int, int, float, bool]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT outcome, input_tokens, output_tokens, cost_usd, cache_hit"
            " FROM llm_calls WHERE user_id = %s ORDER BY id",
            (user,),
        ).fetchall()
    return [(r[0], r[1], r[2], float(r[3]), r[4]) for r in rows]


async def _stored_rows(
    gateway: LLMGateway, database_url: str, user: object
) -> list[tuple[str, int, int, float, bool]]:
    """The user's usage rows once the gateway has stored what it queued."""
    await gateway.flush_usage()
    return _rows(database_url, user)


@pytest.mark.parametrize("provider", ["openai", "gemini", "anthropic"])
async def test_each_sdk_streams_words_before_the_answer_is_done(
    provider: str, fake_llm: FakeLLM, database_url: str
) -> None:
    fake_llm.configure(latency=0.4, stream_chunk_delay=0.05, reply_min_words=30)
    async with gateway_for(
        database_url, **provider_settings(provider, fake_llm, KEY)
    ) as gateway:
        user = insert_user(database_url)
        deltas, result, first, total = await _drain(gateway, "Oat milk?", user)
    assert len(deltas) >= 5
    assert "".join(deltas) == result.text == result.output
    assert result.route.provider == provider
    # The first words show after the provider's latency, long before the end.
    assert 0.4 <= first < total - 0.25
    [(outcome, tokens_in, tokens_out, cost, cached)] = _rows(database_url, user)
    assert (outcome, cached) == ("ok", False)
    assert tokens_in > 0
    assert tokens_out > 0
    assert cost == pytest.approx(result.cost_usd)
    assert cost > 0


@pytest.mark.parametrize("provider", ["openai", "gemini", "anthropic"])
async def test_structured_stream_ends_with_a_validated_object(
    provider: str, fake_llm: FakeLLM, database_url: str
) -> None:
    async with gateway_for(
        database_url, **provider_settings(provider, fake_llm, KEY)
    ) as gateway:
        user = insert_user(database_url)
        deltas, result, _, _ = await _drain(gateway, "Rate it", user, Opinion)
    assert deltas  # the JSON as it was written; callers may ignore it
    assert isinstance(result.output, Opinion)


async def test_a_finished_stream_is_cached_and_replays_as_one_delta(
    openai_gateway: LLMGateway, fake_llm: FakeLLM, database_url: str
) -> None:
    user = insert_user(database_url)
    deltas, first, _, _ = await _drain(openai_gateway, "cache me", user, Opinion)
    assert len(deltas) > 1
    served = fake_llm.stats.count("openai.chat.completions")
    again, replay, _, _ = await _drain(openai_gateway, "cache me", user, Opinion)
    assert again == [first.text]
    assert replay.cached
    assert replay.output == first.output
    # generate() finds the streamed answer too: same request, same cache entry.
    plain = await openai_gateway.generate(
        "focus_groups.answer",
        Opinion,
        system="You are a respondent.",
        prompt="cache me",
        ctx=CallContext(user_id=user),
    )
    assert plain.cached
    assert fake_llm.stats.count("openai.chat.completions") == served
    assert [r[4] for r in (await _stored_rows(openai_gateway, database_url, user))] == [
        False,
        True,
        True,
    ]


async def test_a_stream_holds_its_slot_until_the_provider_is_done(
    openai_gateway: LLMGateway, fake_llm: FakeLLM, database_url: str
) -> None:
    """openai_gateway allows 3 calls at once; six slow streams never exceed it."""
    user = insert_user(database_url)
    fake_llm.configure(latency=0.1, stream_chunk_delay=0.03, reply_min_words=20)
    fake_llm.reset_stats()
    results = await asyncio.gather(
        *(_drain(openai_gateway, f"slot {i}", user) for i in range(6))
    )
    assert len(results) == 6
    assert fake_llm.stats.max_in_flight == 3


async def test_budget_is_checked_before_the_stream_starts(
    openai_gateway: LLMGateway, fake_llm: FakeLLM, database_url: str
) -> None:
    user = insert_user(database_url, budget=0.0000001)
    before = fake_llm.stats.total_requests
    with pytest.raises(BudgetExceeded):
        await _drain(openai_gateway, "too expensive", user)
    assert fake_llm.stats.total_requests == before
    assert [r[0] for r in (await _stored_rows(openai_gateway, database_url, user))] == [
        "budget_exceeded"
    ]


async def test_a_stream_broken_midway_fails_and_still_bills_what_was_sent(
    openai_gateway: LLMGateway, fake_llm: FakeLLM, database_url: str
) -> None:
    user = insert_user(database_url)
    fake_llm.configure(
        malformed_next=1,
        malformed_mode="http_body",
        stream_break_index=4,
        reply_min_words=40,
    )
    received: list[str] = []

    async def read() -> None:
        async for item in openai_gateway.stream(
            "focus_groups.answer",
            system="s",
            prompt="break me",
            ctx=CallContext(user_id=user),
        ):
            if isinstance(item, TextDelta):
                received.append(item.text)

    with pytest.raises(LLMProviderFailed) as failed:
        await read()
    assert received
    assert "broke off" in failed.value.detail
    # Not asked again: the caller has shown text a second answer would not continue.
    assert fake_llm.stats.count("openai.chat.completions") == 1
    [(outcome, tokens_in, tokens_out, cost, _)] = await _stored_rows(
        openai_gateway, database_url, user
    )
    assert outcome == "error:server"
    assert tokens_in > 0
    assert tokens_out >= len("".join(received)) // 4 > 0
    assert cost > 0


async def test_a_429_before_the_first_word_is_retried(
    openai_gateway: LLMGateway, fake_llm: FakeLLM, database_url: str
) -> None:
    user = insert_user(database_url)
    fake_llm.configure(rate_limit_next=1, retry_after_seconds=0.3)
    deltas, result, _, _ = await _drain(openai_gateway, "retry me", user)
    assert result.attempts == 2
    assert "".join(deltas) == result.text


async def test_leaving_a_stream_early_records_it_and_frees_the_slot(
    openai_gateway: LLMGateway, fake_llm: FakeLLM, database_url: str
) -> None:
    user = insert_user(database_url)
    fake_llm.configure(stream_chunk_delay=0.05, reply_min_words=40)
    stream = openai_gateway.stream(
        "focus_groups.answer", system="s", prompt="leave", ctx=CallContext(user_id=user)
    )
    async for item in stream:
        assert isinstance(item, TextDelta)
        break
    await stream.aclose()  # type: ignore[attr-defined]
    await asyncio.sleep(0.1)
    assert [r[0] for r in (await _stored_rows(openai_gateway, database_url, user))] == [
        "error:cancelled"
    ]
    # All three slots are free again: three streams run side by side.
    fake_llm.reset_stats()
    await asyncio.gather(
        *(_drain(openai_gateway, f"after {i}", user) for i in range(3))
    )
    assert fake_llm.stats.max_in_flight == 3


async def test_offline_engine_streams_word_by_word(database_url: str) -> None:
    async with gateway_for(
        database_url, llm={"offline_word_pace_seconds": 0.005}
    ) as gateway:
        user = insert_user(database_url)
        deltas, result, _, total = await _drain(gateway, "Jak oceniasz?", user)
        _, same, _, _ = await _drain(gateway, "Jak oceniasz?", user)
    assert result.generated_by == "offline-engine"
    assert len(deltas) == len(result.text.split()) >= 5
    assert total >= 0.005 * (len(deltas) - 1)
    assert same.text == result.text  # deterministic; never cached
    assert not same.cached
