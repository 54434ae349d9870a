"""OpenAI embeddings (and OpenAI-compatible servers) over the ``openai`` SDK."""

from __future__ import annotations

import asyncio

import openai

from sight.llm.embeddings._common import batches, unit_rows
from sight.llm.providers._common import deadline_error
from sight.llm.providers.base import ErrorKind, ProviderError
from sight.llm.providers.openai_compat import PLACEHOLDER_KEY, map_openai_error

# OpenAI allows 2048 inputs and 300k tokens per request; 256 chunks of a
# typical RAG size (≤ 1k tokens) stay well inside both.
MAX_BATCH = 256


class OpenAIEmbeddings:
    """``embeddings.create`` with an explicit ``dimensions``."""

    name = "openai"

    def __init__(
        self,
        api_key: str | None,
        base_url: str | None,
        model: str = "text-embedding-3-small",
        dimensions: int = 1536,
        *,
        timeout: float = 60.0,
    ) -> None:
        self.model = model
        self.dimensions = dimensions
        self.base_url = base_url
        self.timeout = timeout
        self._secret = api_key
        self._client = openai.AsyncOpenAI(
            api_key=api_key or PLACEHOLDER_KEY,
            base_url=base_url,
            # The caller retries; SDK retries would multiply attempts.
            max_retries=0,
        )

    async def embed(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        # Sequential batches: ingestion is a background job, and one request
        # at a time stays inside per-minute quotas without a limiter.
        for batch in batches(texts, MAX_BATCH):
            vectors.extend(await self._embed_batch(batch))
        return vectors

    async def _embed_batch(self, batch: list[str]) -> list[list[float]]:
        try:
            async with asyncio.timeout(self.timeout):
                response = await self._client.embeddings.create(
                    model=self.model,
                    input=batch,
                    # Sent even at the model's native size, so a server that
                    # cannot honour it fails loudly instead of storing vectors
                    # of another size than the index expects.
                    dimensions=self.dimensions,
                    timeout=self.timeout,
                )
        except TimeoutError as exc:
            raise deadline_error(self.name, self.timeout) from exc
        except Exception as exc:
            mapped = map_openai_error(exc, self.name, self._secret)
            if mapped is exc:
                raise
            raise mapped from exc
        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != len(batch):
            raise ProviderError(
                ErrorKind.server,
                f"openai: {len(data)} embeddings for {len(batch)} texts",
            )
        return unit_rows([item.embedding for item in data], self.dimensions, self.name)

    async def aclose(self) -> None:
        await self._client.close()
