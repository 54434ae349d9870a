"""Budgets against per-process running totals (budget.BudgetGuard) and usage
rows stored in the background (usage.UsageRecorder): limits still hold with
two processes spending at once and after a restart, and every call's row is
stored exactly once."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from sight.llm.budget import BudgetExceeded
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight_testing.fake_llm import running_fake_llm
from tests.llm.conftest import add_spend, gateway_for, insert_user

KEY = "sk-deployment-0123456789"


def _spent(database_url: str, user: object) -> tuple[float, int]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(cost_usd), 0), count(*) FROM llm_calls"
            " WHERE user_id = %s",
            (user,),
        ).fetchone()
    assert row is not None
    return float(row[0]), int(row[1])


async def _ask(gateway: LLMGateway, user: object, prompt: str) -> bool:
    try:
        await gateway.generate_text(
            "surveys.answer",
            system="s",
            prompt=prompt,
            ctx=CallContext(user_id=user),  # type: ignore[arg-type]
        )
    except BudgetExceeded:
        return False
    return True


async def test_two_processes_spending_at_once_never_cross_the_limit(
    database_url: str,
) -> None:
    """Each gateway has its own engine and running totals, as two processes
    would. Together they may spend up to the limit, never past it."""
    limit = 0.01
    user = insert_user(database_url, budget=limit)
    # Spent elsewhere before: 0.003 of room is left, about 2.5 calls' estimate
    # (each estimated at $0.00096, costing far less): a process that trusted
    # only its own running total would let both spend all of it.
    add_spend(database_url, user, 0.007, "deployment")
    with running_fake_llm() as fake:
        settings = {"openai_api_key": KEY, "openai_base_url": fake.openai_base_url}
        async with (
            gateway_for(database_url, **settings) as first,
            gateway_for(database_url, **settings) as second,
        ):
            answered = [0, 0]
            asked = 0
            for i in range(400):
                asked += 2
                ok = await asyncio.gather(
                    _ask(first, user, f"first {i}"), _ask(second, user, f"second {i}")
                )
                answered[0] += ok[0]
                answered[1] += ok[1]
                if not any(ok):
                    break
            else:
                pytest.fail("the budget never refused a call")
        served = fake.stats.count("openai.chat.completions")
    spent, rows = _spent(database_url, user)
    assert spent <= limit
    assert answered[0] > 0
    assert answered[1] > 0
    assert served == sum(answered)
    # One row per call (the refused ones too) and the one from before.
    assert rows == 1 + asked


async def test_a_restarted_process_counts_what_was_spent_before(
    database_url: str,
) -> None:
    user = insert_user(database_url, budget=10)
    with running_fake_llm() as fake:
        settings = {"openai_api_key": KEY, "openai_base_url": fake.openai_base_url}
        async with gateway_for(database_url, **settings) as before:
            for i in range(3):
                assert await _ask(before, user, f"before {i}")
        spent, rows = _spent(database_url, user)  # closing stored every row
        assert rows == 3
        assert spent > 0
        # Room for less than one more call's estimate.
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE users SET monthly_budget_usd = %s WHERE id = %s",
                (spent + 0.0005, user),
            )
        async with gateway_for(database_url, **settings) as after:
            with pytest.raises(BudgetExceeded) as refused:
                await after.generate_text(
                    "surveys.answer",
                    system="s",
                    prompt="after",
                    ctx=CallContext(user_id=user),
                )
    assert f"spent ${spent:.4f}" in refused.value.detail


async def test_spend_from_another_process_is_seen_near_the_limit(
    database_url: str,
) -> None:
    user = insert_user(database_url, budget=1.0)
    with running_fake_llm() as fake:
        settings = {"openai_api_key": KEY, "openai_base_url": fake.openai_base_url}
        async with gateway_for(database_url, **settings) as gateway:
            assert await _ask(gateway, user, "first")  # its total is now known
            # Another process spends up to the last cent: this process's
            # total says "far from the limit" until it reads it again...
            add_spend(database_url, user, 0.95, "deployment")
            await asyncio.sleep(2.1)  # ...which it does within RESYNC_SECONDS,
            assert await _ask(gateway, user, "second")  # near it: exact checks
            add_spend(database_url, user, 0.0495, "deployment")
            assert not await _ask(gateway, user, "third")


async def test_every_call_is_stored_once_after_the_answers_are_handed_back(
    database_url: str,
) -> None:
    user = insert_user(database_url)
    with running_fake_llm() as fake:
        settings = {"openai_api_key": KEY, "openai_base_url": fake.openai_base_url}
        async with gateway_for(database_url, **settings) as gateway:
            results = await asyncio.gather(
                *(_ask(gateway, user, f"batch {i}") for i in range(25))
            )
            assert all(results)
            await gateway.flush_usage()
            assert _spent(database_url, user)[1] == 25
            # The same request again at once is a cache hit, also before its
            # entry reached the table.
            assert await _ask(gateway, user, "again")
            assert await _ask(gateway, user, "again")
            await gateway.flush_usage()
            assert _spent(database_url, user)[1] == 27
        assert fake.stats.count("openai.chat.completions") == 26
