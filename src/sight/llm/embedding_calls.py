"""Embeddings through the gateway: the configured embedder, built once per
process, and a usage row for every call (also when it fails)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from sight.config import Settings
from sight.llm.calls import LLMProviderFailed
from sight.llm.providers.base import EmbeddingProvider, ProviderError
from sight.llm.providers.factory import build_embedding_provider
from sight.llm.types import CallContext, Route
from sight.llm.usage import CallUsage, UsageRecorder

# The provider's concurrency slot for an embedding request to `name`, or
# None when that provider has no shared limit (the local model).
SlotFor = Callable[[str], AbstractAsyncContextManager[None] | None]


class EmbeddingCalls:
    def __init__(
        self,
        settings: Settings,
        usage: UsageRecorder,
        slot_for: SlotFor | None = None,
    ) -> None:
        self.settings = settings
        self._usage = usage
        self._slot_for = slot_for
        self._embedder: EmbeddingProvider | None = None
        self._embedder_lock = asyncio.Lock()

    async def embedder(self) -> EmbeddingProvider:
        async with self._embedder_lock:
            if self._embedder is None:
                self._embedder = build_embedding_provider(self.settings)
            return self._embedder

    async def embed(
        self,
        texts: list[str],
        ctx: CallContext,
        flow: str = "embeddings",
        *,
        in_provider_slots: bool = False,
    ) -> list[list[float]]:
        """`in_provider_slots`: the request takes one of the provider's
        concurrency slots, shared with the chat calls, for as long as it is
        in flight (a job whose calls keep the provider at its limit: an
        embedding beside them would be refused, or push a call over it)."""
        embedder = await self.embedder()
        slot = (
            self._slot_for(embedder.name)
            if in_provider_slots and self._slot_for is not None
            else None
        )
        async with slot or contextlib.nullcontext():
            return await self._embed(embedder, texts, ctx, flow)

    async def _embed(
        self,
        embedder: EmbeddingProvider,
        texts: list[str],
        ctx: CallContext,
        flow: str,
    ) -> list[list[float]]:
        started = time.perf_counter()
        route = Route(
            flow=flow,
            provider=embedder.name,
            model=embedder.model,
            temperature=0,
            max_tokens=0,
            timeout=60,
            source="default",
        )
        usage = CallUsage(route, flow, ctx, None)
        usage.input_tokens = sum(len(t) for t in texts) // 4
        usage.attempts = 1
        try:
            vectors = await embedder.embed(texts)
        except ProviderError as exc:
            usage.outcome = f"error:{exc.kind}"
            await self._usage.record(usage, started)
            raise LLMProviderFailed(
                f"embedding failed ({embedder.name}): {exc.message}"
            ) from None
        usage.outcome = "ok"
        await self._usage.record(usage, started)
        return vectors

    async def aclose(self) -> None:
        if self._embedder is not None:
            await self._embedder.aclose()
