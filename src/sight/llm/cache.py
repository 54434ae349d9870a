"""Response cache in PostgreSQL.

The key covers everything that determines an answer: provider, model, sampling
parameters, the output schema, the system prompt, the conversation, and the
sample index. Re-running a study reuses answers; asking for a deliberate second
sample (sample_index=1) gets a fresh one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert

from sight.llm.models import LLMCacheEntry
from sight.llm.providers.base import ProviderRequest
from sight.postgres import SessionMaker, session_scope


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


class ResponseCache:
    def __init__(self, sessionmaker: SessionMaker) -> None:
        self._sessionmaker = sessionmaker

    async def get(self, key: str) -> CachedAnswer | None:
        async with session_scope(self._sessionmaker) as session:
            row = await session.scalar(
                update(LLMCacheEntry)
                .where(LLMCacheEntry.key == key)
                .values(hits=LLMCacheEntry.hits + 1)
                .returning(LLMCacheEntry)
            )
            if row is None:
                return None
            return CachedAnswer(row.text, row.input_tokens, row.output_tokens)

    async def put(
        self, key: str, provider: str, model: str, flow: str, answer: CachedAnswer
    ) -> None:
        async with session_scope(self._sessionmaker) as session:
            await session.execute(
                insert(LLMCacheEntry)
                .values(
                    key=key,
                    provider=provider,
                    model=model,
                    flow=flow,
                    text=answer.text,
                    input_tokens=answer.input_tokens,
                    output_tokens=answer.output_tokens,
                    hits=0,
                )
                .on_conflict_do_nothing(index_elements=["key"])
            )
