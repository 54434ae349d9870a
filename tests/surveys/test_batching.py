"""Embedding requests of concurrent respondents go out as one batch, and each
respondent gets back exactly its own vectors (or the error)."""

from __future__ import annotations

import asyncio
import math

import pytest

from sight.surveys.batching import EmbeddingBatcher


async def test_concurrent_requests_share_one_call_and_get_their_own_vectors() -> None:
    calls: list[list[str]] = []

    async def embed(texts: list[str]) -> list[list[float]]:
        calls.append(texts)
        return [[float(len(t))] for t in texts]

    batcher = EmbeddingBatcher(embed, window=0.05)
    results = await asyncio.gather(
        batcher.embed(["a", "bb"]), batcher.embed(["ccc"]), batcher.embed(["dddd", "e"])
    )
    assert len(calls) == 1
    assert results == [[[1.0], [2.0]], [[3.0]], [[4.0], [1.0]]]


async def test_a_full_batch_goes_at_once_and_errors_reach_every_caller() -> None:
    calls: list[int] = []

    async def embed(texts: list[str]) -> list[list[float]]:
        calls.append(len(texts))
        if "boom" in texts:
            raise RuntimeError("embedder down")
        return [[0.0] for _ in texts]

    batcher = EmbeddingBatcher(embed, window=10, max_batch=3)
    done = await asyncio.wait_for(
        asyncio.gather(batcher.embed(["x", "y"]), batcher.embed(["z"])), timeout=2
    )
    assert calls == [3]  # did not wait for the 10 s window
    assert [len(v) for v in done] == [2, 1]
    failing = EmbeddingBatcher(embed, window=0.01)
    outcomes = await asyncio.gather(
        failing.embed(["boom"]), failing.embed(["ok"]), return_exceptions=True
    )
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    with pytest.raises(RuntimeError):
        await failing.embed(["boom"])


async def test_an_infinite_window_sends_full_batches_and_the_rest_on_flush() -> None:
    calls: list[int] = []

    async def embed(texts: list[str]) -> list[list[float]]:
        calls.append(len(texts))
        return [[0.0] for _ in texts]

    batcher = EmbeddingBatcher(embed, window=math.inf, max_batch=3)
    full = asyncio.gather(batcher.embed(["a", "b"]), batcher.embed(["c"]))
    rest = asyncio.ensure_future(batcher.embed(["d"]))
    assert len(await asyncio.wait_for(full, timeout=2)) == 2
    await asyncio.sleep(0.05)
    assert calls == [3]
    assert not rest.done()  # waits for company, or for the run's end
    batcher.flush()
    assert await asyncio.wait_for(rest, timeout=2) == [[0.0]]
    assert calls == [3, 1]
