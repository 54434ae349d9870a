"""Embedding requests of many respondents, sent as one batch.

Two-pass ratings need an embedding of each respondent's words. Respondents
finish their model calls at about the same moment, and one embedding call per
respondent pays the per-call cost (a thread hop, the local model's setup, an
HTTP round trip with a provider) hundreds of times. The batcher collects the
texts that arrive within a short window and embeds them in one call.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable

Embed = Callable[[list[str]], Awaitable[list[list[float]]]]

WINDOW_SECONDS = 0.05
MAX_BATCH = 256


class EmbeddingBatcher:
    """`window`: how long the first text of a batch waits for company; small
    when a respondent waits for the result (ratings), longer when nobody does
    (themes), since the local model's throughput grows with the batch."""

    def __init__(
        self,
        embed: Embed,
        *,
        window: float = WINDOW_SECONDS,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._embed = embed
        self._window = window
        self._max_batch = max_batch
        self._pending: list[tuple[list[str], asyncio.Future[list[list[float]]]]] = []
        self._flush: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()

    async def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        future: asyncio.Future[list[list[float]]] = (
            asyncio.get_running_loop().create_future()
        )
        self._pending.append((texts, future))
        if sum(len(t) for t, _ in self._pending) >= self._max_batch:
            if self._flush is not None:
                self._flush.cancel()
                self._flush = None
            self._start(delay=0)
        elif self._flush is None and math.isfinite(self._window):
            # An infinite window: only full batches, the rest on `flush()`.
            self._start(delay=self._window)
        return await future

    def flush(self) -> None:
        """Send what is waiting now, without waiting for the window to end
        (nothing more will come: the run's last answer is in)."""
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        if self._pending:
            self._start(delay=0)

    def _start(self, delay: float) -> None:
        batch, self._pending = self._pending, []
        if delay > 0:
            self._pending = batch
            self._flush = asyncio.create_task(self._later(delay))
            return
        task = asyncio.create_task(self._send(batch))
        self._sending.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._sending.discard)

    async def _later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        batch, self._pending, self._flush = self._pending, [], None
        await self._send(batch)

    async def _send(
        self, batch: list[tuple[list[str], asyncio.Future[list[list[float]]]]]
    ) -> None:
        if not batch:
            return
        texts = [text for group, _ in batch for text in group]
        try:
            vectors = await self._embed(texts)
        except Exception as exc:  # every waiting respondent gets the error
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        start = 0
        for group, future in batch:
            if not future.done():
                future.set_result(vectors[start : start + len(group)])
            start += len(group)
