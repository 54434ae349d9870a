"""Gemini embeddings (``gemini-embedding-001``) over ``google-genai``."""

from __future__ import annotations

import asyncio

from google import genai
from google.genai import types

from sight.llm.embeddings._common import batches, unit_rows
from sight.llm.providers._common import deadline_error
from sight.llm.providers.base import ErrorKind, ProviderError
from sight.llm.providers.gemini import http_options, map_gemini_error, timeout_ms

# batchEmbedContents accepts at most 100 requests per call.
MAX_BATCH = 100


class GeminiEmbeddings:
    """Batch embedding with a chosen ``output_dimensionality``."""

    name = "gemini"

    def __init__(
        self,
        api_key: str,
        model: str = "gemini-embedding-001",
        dimensions: int = 3072,
        base_url: str | None = None,
        *,
        timeout: float = 60.0,
    ) -> None:
        self.model = model
        self.dimensions = dimensions
        self.base_url = base_url
        self.timeout = timeout
        self._secret = api_key
        # Same reason as GeminiProvider: construction never fails, a call
        # without a key fails as `auth`.
        self._client: genai.Client | None = (
            genai.Client(api_key=api_key, http_options=http_options(base_url))
            if api_key
            else None
        )

    async def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        if self._client is None:
            raise ProviderError(ErrorKind.auth, "gemini: no API key configured")
        vectors: list[list[float]] = []
        # Sequential batches: document ingestion is a background job, and one
        # request at a time stays inside per-minute quotas without a limiter.
        for batch in batches(texts, MAX_BATCH):
            vectors.extend(await self._embed_batch(self._client, batch))
        return vectors

    async def _embed_batch(
        self, client: genai.Client, batch: list[str]
    ) -> list[list[float]]:
        config = types.EmbedContentConfig(
            output_dimensionality=self.dimensions,
            http_options=types.HttpOptions(timeout=timeout_ms(self.timeout)),
        )
        try:
            # One Content per text: one embedding each (typed, so the SDK's
            # union of content shapes accepts it whatever extras are installed).
            contents: list[types.ContentUnion] = list(batch)
            async with asyncio.timeout(self.timeout):
                response = await client.aio.models.embed_content(
                    model=self.model, contents=contents, config=config
                )
        except TimeoutError as exc:
            raise deadline_error(self.name, self.timeout) from exc
        except Exception as exc:
            mapped = map_gemini_error(exc, self.name, self._secret)
            if mapped is exc:
                raise
            raise mapped from exc
        embeddings = response.embeddings or []
        if len(embeddings) != len(batch):
            raise ProviderError(
                ErrorKind.server,
                f"gemini: {len(embeddings)} embeddings for {len(batch)} texts",
            )
        return unit_rows(
            [e.values or [] for e in embeddings], self.dimensions, self.name
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aio.aclose()
            self._client.close()
