"""Response cache in PostgreSQL.

The key covers everything that determines an answer: provider, model, sampling
parameters, the output schema, the system prompt, the conversation, and the
sample index. Re-running a study reuses answers; asking for a deliberate second
sample (sample_index=1) gets a fresh one.

A look-up is one statement outside a transaction, shared by the look-ups made
at the same moment; a new entry is stored with the next batch of usage rows
(usage.py), after the caller has its answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from sight.llm.models import LLMCacheEntry
from sight.llm.providers.base import ProviderRequest
from sight.postgres import SessionMaker


@dataclass(frozen=True)
class CachedAnswer:
    text: str
    input_tokens: int
    output_tokens: int


def cache_key(provider: str, request: ProviderRequest, sample_index: int) -> str:
    material = json.dumps(
        {
            "provider": provider,
            "model": request.model,
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "schema": request.json_schema,
            "system": request.system,
            # An image adds its digest; keys of text-only calls are unchanged.
            "messages": [
                [m.role, m.content]
                + (
                    [[hashlib.sha256(i.data).hexdigest() for i in m.images]]
                    if m.images
                    else []
                )
                for m in request.messages
            ],
            "sample": sample_index,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(material.encode()).hexdigest()


def cache_entry(
    key: str, provider: str, model: str, flow: str, answer: CachedAnswer
) -> dict[str, Any]:
    """The row `UsageRecorder.store_cache_entry` writes."""
    return {
        "key": key,
        "provider": provider,
        "model": model,
        "flow": flow,
        "text": answer.text,
        "input_tokens": answer.input_tokens,
        "output_tokens": answer.output_tokens,
        "hits": 0,
    }


class ResponseCache:
    """Look-ups made together (a wave of calls starting at once) share one
    statement: `UPDATE ... WHERE key = ANY(...) RETURNING`, outside a
    transaction. One batch runs at a time; keys asked meanwhile go in the next.
    """

    def __init__(self, reads: SessionMaker) -> None:
        self._reads = reads
        self._waiting: dict[str, list[asyncio.Future[CachedAnswer | None]]] = {}
        self._batch: asyncio.Task[None] | None = None

    async def get(self, key: str) -> CachedAnswer | None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[CachedAnswer | None] = loop.create_future()
        self._waiting.setdefault(key, []).append(future)
        batch = self._batch
        if batch is None or batch.done() or batch.get_loop() is not loop:
            self._batch = loop.create_task(self._look_up())
        return await future

    async def _look_up(self) -> None:
        while self._waiting:
            waiting, self._waiting = self._waiting, {}
            try:
                found = await self._rows(list(waiting))
            except Exception as exc:
                for futures in waiting.values():
                    for future in futures:
                        if not future.done():
                            future.set_exception(exc)
                continue
            for key, futures in waiting.items():
                for future in futures:
                    if not future.done():
                        future.set_result(found.get(key))

    async def _rows(self, keys: list[str]) -> dict[str, CachedAnswer]:
        entry = LLMCacheEntry
        async with self._reads() as session:
            rows = await session.execute(
                update(entry)
                .where(entry.key.in_(keys))
                .values(hits=entry.hits + 1)
                .returning(
                    entry.key, entry.text, entry.input_tokens, entry.output_tokens
                )
                .execution_options(synchronize_session=False)
            )
            return {row[0]: CachedAnswer(row[1], row[2], row[3]) for row in rows}
