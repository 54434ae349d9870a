"""The gateway driving the real OpenAI SDK against the fake provider server."""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest
from pydantic import BaseModel, Field

from sight.llm.budget import BudgetExceeded
from sight.llm.gateway import LLMGateway, LLMProviderFailed, StructuredOutputFailed
from sight.llm.types import CallContext
from sight.postgres import create_engine, create_sessionmaker
from sight_testing.fake_llm import FakeLLM
from tests.conftest import make_settings
from tests.llm.conftest import insert_user


class Opinion(BaseModel):
    summary: str
    score: int = Field(ge=1, le=5)
    reasons: list[str] = Field(min_length=1, max_length=4)


def _calls(
    database_url: str, user_id: object
) -> list[tuple[str, str, int, int, float, bool, str, int]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT flow, provider, input_tokens, output_tokens, cost_usd, cache_hit,"
            " outcome, attempts FROM llm_calls WHERE user_id = %s ORDER BY id",
            (user_id,),
        ).fetchall()
    return [(r[0], r[1], r[2], r[3], float(r[4]), r[5], r[6], r[7]) for r in rows]


async def _stored_calls(
    gateway: LLMGateway, database_url: str, user_id: object
) -> list[tuple[str, str, int, int, float, bool, str, int]]:
    """The user's usage rows once the gateway has stored what it queued."""
    await gateway.flush_usage()
    return _calls(database_url, user_id)


async def test_structured_call_records_usage_and_cost(
    openai_gateway: LLMGateway, database_url: str
) -> None:
    user = insert_user(database_url)
    result = await openai_gateway.generate(
        "focus_groups.answer",
        Opinion,
        system="You are a respondent.",
        prompt="What do you think of oat milk?",
        ctx=CallContext(user_id=user),
    )
    assert isinstance(result.output, Opinion)
    assert 1 <= result.output.score <= 5
    assert result.generated_by == "openai:gpt-4.1-mini"
    assert result.route.source == "default"
    [call] = await _stored_calls(openai_gateway, database_url, user)
    flow, provider, tokens_in, tokens_out, cost, cache_hit, outcome, attempts = call
    assert (flow, provider, outcome, cache_hit, attempts) == (
        "focus_groups.answer",
        "openai",
        "ok",
        False,
        1,
    )
    assert tokens_in > 0
    assert tokens_out > 0
    # gpt-4.1-mini: $0.40 in / $1.60 out per 1M tokens (prices.yaml)
    assert cost == pytest.approx((tokens_in * 0.40 + tokens_out * 1.60) / 1e6, rel=1e-6)


async def test_rerun_is_served_from_cache_but_a_new_sample_is_not(
    openai_gateway: LLMGateway, database_url: str, fake_llm: FakeLLM
) -> None:
    user = insert_user(database_url)
    ctx = CallContext(user_id=user)
    args = {"system": "s", "prompt": "Rate the new logo.", "ctx": ctx}
    first = await openai_gateway.generate("surveys.answer", Opinion, **args)
    served = fake_llm.stats.count("openai.chat.completions")
    assert served == 1
    again = await openai_gateway.generate("surveys.answer", Opinion, **args)
    assert again.cached
    assert again.output == first.output
    assert fake_llm.stats.count("openai.chat.completions") == served
    second_sample = await openai_gateway.generate(
        "surveys.answer", Opinion, sample_index=1, **args
    )
    assert not second_sample.cached
    assert fake_llm.stats.count("openai.chat.completions") == served + 1
    hits = [
        c for c in (await _stored_calls(openai_gateway, database_url, user)) if c[5]
    ]
    assert len(hits) == 1
    assert hits[0][4] == 0.0  # a cache hit costs nothing


async def test_429_is_retried_after_retry_after(
    openai_gateway: LLMGateway, database_url: str, fake_llm: FakeLLM
) -> None:
    user = insert_user(database_url)
    fake_llm.configure(rate_limit_next=2, retry_after_seconds=0.4)
    started = time.monotonic()
    result = await openai_gateway.generate(
        "surveys.answer",
        Opinion,
        system="s",
        prompt="Price check 429",
        ctx=CallContext(user_id=user),
    )
    assert result.attempts == 3
    assert time.monotonic() - started >= 0.8  # honoured Retry-After twice
    assert (await _stored_calls(openai_gateway, database_url, user))[-1][6] == "ok"


async def test_persistent_5xx_fails_then_circuit_stops_hammering(
    openai_gateway: LLMGateway, database_url: str, fake_llm: FakeLLM
) -> None:
    user = insert_user(database_url)
    ctx = CallContext(user_id=user)
    fake_llm.configure(server_error_next=100)
    with pytest.raises(LLMProviderFailed) as failed:
        await openai_gateway.generate(
            "surveys.answer", Opinion, system="s", prompt="5xx a", ctx=ctx
        )
    assert "surveys.answer" in str(failed.value.detail)
    assert (await _stored_calls(openai_gateway, database_url, user))[-1][
        6
    ] == "error:server"  # 4 attempts
    with pytest.raises(LLMProviderFailed):  # the 5th failure opens the circuit
        await openai_gateway.generate(
            "surveys.answer", Opinion, system="s", prompt="5xx b", ctx=ctx
        )
    seen = fake_llm.stats.total_requests
    with pytest.raises(LLMProviderFailed) as paused:
        await openai_gateway.generate(
            "surveys.answer", Opinion, system="s", prompt="5xx c", ctx=ctx
        )
    assert paused.value.status_code == 503
    assert "paused" in str(paused.value.detail)
    assert fake_llm.stats.total_requests == seen, (
        "an open circuit must not call the provider"
    )
    fake_llm.configure(server_error_next=0)
    await asyncio.sleep(2.1)  # cool-down: one trial call closes the circuit
    ok = await openai_gateway.generate(
        "surveys.answer", Opinion, system="s", prompt="5xx c", ctx=ctx
    )
    assert isinstance(ok.output, Opinion)


async def test_malformed_json_is_repaired_or_fails_naming_the_flow(
    openai_gateway: LLMGateway, database_url: str, fake_llm: FakeLLM
) -> None:
    user = insert_user(database_url)
    ctx = CallContext(user_id=user)
    fake_llm.configure(malformed_next=1, malformed_mode="invalid")
    repaired = await openai_gateway.generate(
        "surveys.answer", Opinion, system="s", prompt="bad once", ctx=ctx
    )
    assert isinstance(repaired.output, Opinion)
    assert repaired.attempts == 1  # python-style dict repaired locally, no re-ask
    # A model that keeps answering in prose, also when told what was wrong.
    for trigger in ("always bad", "could not be used"):
        fake_llm.add_canned(trigger, "Sorry, I would rather talk about the weather.")
    with pytest.raises(StructuredOutputFailed) as failed:
        await openai_gateway.generate(
            "surveys.answer", Opinion, system="s", prompt="always bad", ctx=ctx
        )
    assert "surveys.answer" in str(failed.value.detail)
    assert "3 attempts" in str(failed.value.detail)  # 1 + 2 repairs, bounded
    assert (await _stored_calls(openai_gateway, database_url, user))[-1][
        6
    ] == "invalid_output"


async def test_timeout_is_retried(
    openai_gateway: LLMGateway, database_url: str, fake_llm: FakeLLM
) -> None:
    user = insert_user(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO user_llm_settings (user_id, overrides, encrypted_keys)"
            " VALUES (%s, '{\"surveys.answer\": {\"timeout\": 0.5}}', '{}')",
            (user,),
        )
    fake_llm.configure(hang_next=1, hang_seconds=3)
    started = time.monotonic()
    result = await openai_gateway.generate(
        "surveys.answer",
        Opinion,
        system="s",
        prompt="slow one",
        ctx=CallContext(user_id=user),
    )
    assert result.attempts == 2
    assert result.route.timeout == 0.5
    assert result.route.source == "user"
    assert time.monotonic() - started < 3


async def test_concurrency_cap_is_respected_at_the_provider(
    openai_gateway: LLMGateway, database_url: str, fake_llm: FakeLLM
) -> None:
    user = insert_user(database_url)
    fake_llm.configure(latency=0.2)
    fake_llm.reset_stats()
    await asyncio.gather(
        *(
            openai_gateway.generate(
                "surveys.answer",
                Opinion,
                system="s",
                prompt=f"question {i}",
                ctx=CallContext(user_id=user),
            )
            for i in range(12)
        )
    )
    assert fake_llm.stats.max_in_flight == 3


async def test_budget_refuses_before_calling(
    openai_gateway: LLMGateway, database_url: str, fake_llm: FakeLLM
) -> None:
    user = insert_user(database_url, budget=0.0000001)
    before = fake_llm.stats.total_requests
    with pytest.raises(BudgetExceeded) as refused:
        await openai_gateway.generate(
            "analysis.summary",
            Opinion,
            system="s",
            prompt="summarise",
            ctx=CallContext(user_id=user),
        )
    assert refused.value.status_code == 402
    message = str(refused.value.detail)
    assert "spent $0.0000 of $0.00" in message
    assert "needs about $" in message
    assert fake_llm.stats.total_requests == before
    assert (await _stored_calls(openai_gateway, database_url, user))[-1][
        6
    ] == "budget_exceeded"


async def test_offline_engine_is_the_default_and_deterministic(
    database_url: str,
) -> None:
    engine = create_engine(database_url, pool_size=2)
    gateway = LLMGateway(
        make_settings(llm={"detect_ollama": False}), create_sessionmaker(engine)
    )
    user = insert_user(database_url)
    ctx = CallContext(user_id=user)
    try:
        assert gateway.default_provider() == "offline"
        first = await gateway.generate(
            "surveys.answer", Opinion, system="s", prompt="p", ctx=ctx
        )
        same = await gateway.generate(
            "surveys.answer", Opinion, system="s", prompt="p", ctx=ctx
        )
        other = await gateway.generate(
            "surveys.answer", Opinion, system="s", prompt="p", ctx=ctx, sample_index=1
        )
        text = await gateway.generate_text(
            "surveys.answer", system="s", prompt="p", ctx=ctx
        )
    finally:
        await gateway.aclose()
        await engine.dispose()
    assert first.generated_by == "offline-engine"
    assert first.output == same.output
    assert other.output != first.output
    assert isinstance(text.output, str)
    assert text.output
    assert all(c[1] == "offline" and c[4] == 0.0 for c in _calls(database_url, user))


async def test_requests_per_minute_are_shared_through_redis(
    database_url: str, redis_url: str, fake_llm: FakeLLM
) -> None:
    """Two gateways (two processes in production) share one Redis window: with
    3 requests per minute allowed, the fourth call waits, whichever gateway makes it."""
    settings = make_settings(
        openai_api_key="sk-test-not-real",
        openai_base_url=fake_llm.openai_base_url,
        redis_url=redis_url,
        llm={
            "limits": {"openai": {"concurrency": 5, "requests_per_minute": 3}},
            "detect_ollama": False,
            "cache_enabled": False,
        },
    )
    engine = create_engine(database_url, pool_size=4)
    first = LLMGateway(settings, create_sessionmaker(engine))
    second = LLMGateway(settings, create_sessionmaker(engine))
    ctx = CallContext(user_id=insert_user(database_url))
    # A fresh window for this test: the provider key in Redis is shared by design.
    import redis.asyncio as redis_asyncio

    client = redis_asyncio.Redis.from_url(redis_url)
    await client.flushdb()
    await client.aclose()
    try:
        for i, gateway in enumerate((first, second, first)):
            await gateway.generate(
                "surveys.answer", Opinion, system="s", prompt=f"rpm {i}", ctx=ctx
            )
        served = fake_llm.stats.total_requests
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(
                second.generate(
                    "surveys.answer", Opinion, system="s", prompt="rpm 4", ctx=ctx
                ),
                timeout=1.5,
            )
        assert fake_llm.stats.total_requests == served, (
            "the 4th request reached the provider"
        )
    finally:
        await first.aclose()
        await second.aclose()
        await engine.dispose()


async def test_stream_yields_text_then_the_validated_result(
    openai_gateway: LLMGateway, database_url: str
) -> None:
    from sight.llm.types import StreamDone, TextDelta

    user = insert_user(database_url)
    items = [
        item
        async for item in openai_gateway.stream(
            "focus_groups.answer",
            Opinion,
            system="You are a respondent.",
            prompt="Streamed: what do you think of oat milk?",
            ctx=CallContext(user_id=user),
        )
    ]
    *deltas, done = items
    assert deltas
    assert all(isinstance(d, TextDelta) for d in deltas)
    assert isinstance(done, StreamDone)
    assert isinstance(done.result.output, Opinion)
    assert "".join(d.text for d in deltas if isinstance(d, TextDelta)) == (
        done.result.text
    )
    assert len(await _stored_calls(openai_gateway, database_url, user)) == 1
