"""A provider's concurrency limit holds across processes (slots.py): two
gateways with their own in-process state never have more calls in flight at
the provider than its limit, through Redis leases and through PostgreSQL
advisory locks, and the slots of a process that dies come back."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import psycopg
import pytest

from sight.llm.gateway import LLMGateway
from sight.llm.slots import PostgresSlots, RedisSlots, SlotStore
from sight.llm.types import CallContext
from sight_testing.fake_llm import FakeLLMConfig, running_fake_llm
from tests.llm.conftest import gateway_for, insert_user

LIMIT = 4
CALLS_EACH = 12


@pytest.fixture(params=["redis", "postgres"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_two_gateways_together_stay_within_the_providers_limit(
    database_url: str, redis_url: str, store_kind: str
) -> None:
    extra = {"redis_url": redis_url} if store_kind == "redis" else {}
    with running_fake_llm(FakeLLMConfig(latency=0.3, max_in_flight=LIMIT)) as fake:
        async with AsyncExitStack() as stack:
            gateways: list[LLMGateway] = [
                await stack.enter_async_context(
                    gateway_for(
                        database_url,
                        # Same key and endpoint: the provider's one limit.
                        openai_api_key="sk-test-shared-slots-0123",
                        openai_base_url=fake.openai_base_url,
                        llm={"limits": {"openai": {"concurrency": LIMIT}}},
                        **extra,
                    )
                )
                for _ in range(2)
            ]
            user = insert_user(database_url)
            run = uuid.uuid4().hex  # no answer from the response cache
            results = await asyncio.gather(
                *(
                    gateway.generate_text(
                        "surveys.answer",
                        system="s",
                        prompt=f"respondent {g}-{i} {run}",
                        ctx=CallContext(user_id=user),
                    )
                    for g, gateway in enumerate(gateways)
                    for i in range(CALLS_EACH)
                )
            )
        stats = fake.stats
    assert len(results) == 2 * CALLS_EACH
    # Never above the limit (nothing refused), and the limit was used: the
    # two together had it full, not one each on its own half.
    assert stats.max_in_flight == LIMIT
    assert [r.status for r in stats.requests] == [200] * (2 * CALLS_EACH)


# A process that takes every slot and then hangs until it is killed.
_HOLDER = """
import asyncio, sys
from sight.llm.slots import PostgresSlots, RedisSlots

async def main() -> None:
    kind, url, name, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    store = RedisSlots(url, lease_seconds=1.5) if kind == "redis" else PostgresSlots(url)
    for _ in range(limit):
        assert await store.try_acquire(name, limit) is not None
    print("held", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def _store(kind: str, database_url: str, redis_url: str) -> SlotStore:
    return RedisSlots(redis_url) if kind == "redis" else PostgresSlots(database_url)


@pytest.fixture
async def store(
    database_url: str, redis_url: str, store_kind: str
) -> AsyncIterator[SlotStore]:
    slots = await _store(store_kind, database_url, redis_url)
    yield slots
    await slots.aclose()


async def test_a_killed_holders_slots_come_back(
    database_url: str, redis_url: str, store_kind: str, store: SlotStore
) -> None:
    name = f"openai|crash-{store_kind}-{time.time_ns()}"
    url = redis_url if store_kind == "redis" else database_url
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _HOLDER,
        store_kind,
        url,
        name,
        str(LIMIT),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert (await holder.stdout.readline()).strip() == b"held"
        assert await store.try_acquire(name, LIMIT) is None  # all taken
        holder.send_signal(signal.SIGKILL)  # no clean-up runs
        await holder.wait()
        deadline = time.monotonic() + 10
        tokens: list[str] = []
        while len(tokens) < LIMIT and time.monotonic() < deadline:
            token = await store.try_acquire(name, LIMIT)
            if token is None:
                await asyncio.sleep(0.1)
            else:
                tokens.append(token)
        assert len(tokens) == LIMIT  # every slot back, within the lease
        assert await store.try_acquire(name, LIMIT) is None  # and no more
        for token in tokens:
            await store.release(name, token)
        assert await store.try_acquire(name, LIMIT) is not None
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()


async def test_postgres_takes_one_lock_per_slot(database_url: str) -> None:
    store = PostgresSlots(database_url)
    try:
        name = f"openai|one-lock-{time.time_ns()}"
        first = await store.try_acquire(name, 8)
        second = await store.try_acquire(name, 8)
        assert first is not None
        assert second is not None
        assert first != second
        with psycopg.connect(database_url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                " AND objsubid = 2 AND classid = %s::oid",
                (PostgresSlots._key(name) % 2**32,),
            ).fetchone()
        assert row == (2,)
        await store.release(name, first)
        await store.release(name, second)
    finally:
        await store.aclose()


async def test_a_cancelled_call_gives_its_slot_back(
    database_url: str, redis_url: str, store_kind: str, store: SlotStore
) -> None:
    from sight.llm.slots import SharedSlots

    slots = SharedSlots(f"openai|cancel-{store_kind}-{time.time_ns()}", 1, store)
    entered = asyncio.Event()

    async def hold_forever() -> None:
        async with slots.hold():
            entered.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(hold_forever())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(2):
        async with slots.hold():
            pass


async def test_a_jobs_embeddings_wait_for_the_providers_slots(
    database_url: str,
) -> None:
    """Embedding requests of a job (`in_provider_slots`) share the provider's
    limit with its chat calls: with the limit full, none is refused and no
    call is pushed over the limit."""
    with running_fake_llm(FakeLLMConfig(latency=0.3, max_in_flight=LIMIT)) as fake:
        async with gateway_for(
            database_url,
            openai_api_key="sk-test-embedding-slots-0123",
            openai_base_url=fake.openai_base_url,
            llm={
                "limits": {"openai": {"concurrency": LIMIT}},
                "embedding_provider": "openai",
            },
        ) as gateway:
            user = insert_user(database_url)
            ctx = CallContext(user_id=user)
            run = uuid.uuid4().hex
            await asyncio.gather(
                *(
                    gateway.generate_text(
                        "surveys.answer", system="s", prompt=f"r{i} {run}", ctx=ctx
                    )
                    for i in range(3 * LIMIT)
                ),
                *(
                    gateway.embed(
                        [f"answer {i}"], ctx, "surveys.themes", in_provider_slots=True
                    )
                    for i in range(LIMIT)
                ),
            )
        stats = fake.stats
    assert stats.max_in_flight == LIMIT
    assert sorted({r.status for r in stats.requests}) == [200]
    assert sum(r.endpoint == "openai.embeddings" for r in stats.requests) == LIMIT
