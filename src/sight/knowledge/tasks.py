"""Job handlers of the knowledge domain.

`knowledge.ingest` {document_id, reset, previous_store}: parse → chunk → embed
→ store → extract entities and relations → ready. Resumable: chunk ids are
deterministic and every write is an upsert, and the checkpoints `embedded` /
`extracted` (chunks done) let a retried attempt skip finished batches. Events:
`progress` per batch, `log` per stage, `item` {document_id, status, counts} at
the end; the job's own `completed`/`failed` close the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

from sqlalchemy import select, update

from sight.jobs.registry import job_handler
from sight.jobs.runtime import JobCancelled, JobContext
from sight.kit.errors import SightError
from sight.knowledge.chunking import ChunkDraft
from sight.knowledge.errors import (
    EmbeddingSpaceMismatch,
    KnowledgeStoreUnavailable,
)
from sight.knowledge.extraction import (
    PROMPT_VERSION,
    SYSTEM,
    Extraction,
    extraction_prompt,
    to_facts,
)
from sight.knowledge.models import Document, DocumentFile, DocumentStatus
from sight.knowledge.retrieval import embedding_space
from sight.knowledge.runtime import KnowledgeBackend, backend_for
from sight.knowledge.sandbox import prepare_isolated
from sight.knowledge.sniffing import ts_config_for
from sight.knowledge.store import ChunkFacts, ChunkRecord, DocumentRef
from sight.knowledge.store_postgres import PostgresKnowledgeStore
from sight.llm.gateway import LLMProviderFailed, StructuredOutputFailed
from sight.postgres import session_scope
from sight.projects.models import Project


class DocumentGone(Exception):
    """The document was deleted while it was being ingested."""


def _backend(ctx: JobContext) -> KnowledgeBackend:
    backend = ctx.runtime.services.get("knowledge")
    if isinstance(backend, KnowledgeBackend):
        return backend
    return backend_for(ctx.runtime.settings, ctx.sessionmaker)


async def _update(ctx: JobContext, document_id: uuid.UUID, **values: Any) -> None:
    async with session_scope(ctx.sessionmaker) as session:
        await session.execute(
            update(Document).where(Document.id == document_id).values(**values)
        )


@job_handler("knowledge.ingest")
async def ingest(ctx: JobContext) -> dict[str, Any]:
    document_id = uuid.UUID(str(ctx.params["document_id"]))
    backend = _backend(ctx)
    final = ctx.attempt >= ctx.runtime.settings.jobs.max_attempts
    try:
        return await _Ingestion(ctx, backend, document_id).run()
    except DocumentGone:
        await backend.store.delete_document(document_id)
        return {"document_id": str(document_id), "status": "deleted"}
    except JobCancelled:
        await _update(
            ctx,
            document_id,
            status=DocumentStatus.failed,
            stage=None,
            error="ingestion was cancelled",
        )
        raise
    except KnowledgeStoreUnavailable as exc:
        backend.failed(exc)
        status = DocumentStatus.waiting if final else DocumentStatus.processing
        await _update(
            ctx,
            document_id,
            status=status,
            error=f"waiting for the knowledge graph: {exc.detail}",
        )
        raise
    except SightError as exc:
        if final or exc.status_code < 500:
            await _update(
                ctx,
                document_id,
                status=DocumentStatus.failed,
                stage=None,
                error=str(exc.detail),
            )
        raise
    except Exception:
        if final:
            await _update(
                ctx,
                document_id,
                status=DocumentStatus.failed,
                stage=None,
                error="ingestion failed because of an internal error",
            )
        raise


class _Ingestion:
    def __init__(
        self, ctx: JobContext, backend: KnowledgeBackend, document_id: uuid.UUID
    ) -> None:
        self.ctx = ctx
        self.backend = backend
        self.store = backend.store
        self.settings = backend.knowledge
        self.document_id = document_id

    async def _exists(self) -> None:
        async with self.ctx.sessionmaker() as session:
            found = await session.scalar(
                select(Document.id).where(Document.id == self.document_id)
            )
        if found is None:
            raise DocumentGone

    async def run(self) -> dict[str, Any]:
        ctx = self.ctx
        async with ctx.sessionmaker() as session:
            document = await session.get(Document, self.document_id)
            if document is None:
                raise DocumentGone
            project = await session.get(Project, document.project_id)
            content = await session.scalar(
                select(DocumentFile.content).where(
                    DocumentFile.document_id == self.document_id
                )
            )
        if content is None or project is None:
            raise DocumentGone
        embedder = await ctx.llm.embedder()
        model = embedding_space(embedder.name, embedder.model)
        if (model, embedder.dimensions) != (
            document.embedding_model,
            document.embedding_dimensions,
        ):
            raise EmbeddingSpaceMismatch(
                f"the document was queued for {document.embedding_model} "
                f"({document.embedding_dimensions} dimensions) but this worker "
                f"embeds with {model} ({embedder.dimensions} dimensions)"
            )
        if document.store != self.store.name:
            raise EmbeddingSpaceMismatch(
                f"the document was queued for the {document.store} store but this "
                f"worker writes to {self.store.name}; every process must share "
                "the same NEO4J_URI setting"
            )
        await self.backend.require()
        await _update(
            ctx,
            self.document_id,
            status=DocumentStatus.processing,
            stage="parsing",
            error=None,
        )
        if ctx.params.get("reset") and not ctx.checkpoint("reset_done"):
            await self.store.delete_document(self.document_id)
            if ctx.params.get("previous_store") == "postgres" != self.store.name:
                await PostgresKnowledgeStore(ctx.sessionmaker).delete_document(
                    self.document_id
                )
            await ctx.save_checkpoint("reset_done", True)
        # Parsing, language detection and chunking run in a parsing process
        # with a time and memory limit (sandbox.py); this loop only waits.
        prepared = await prepare_isolated(
            content,
            document.media_type,
            default_language=project.language,
            settings=self.settings,
        )
        language = prepared.language
        drafts = prepared.drafts
        title = prepared.title or document.title
        await _update(
            ctx, self.document_id, pages=prepared.pages, language=language, title=title
        )
        await ctx.emit("log", {"message": f"read {prepared.describe()}"})
        ref = DocumentRef(self.document_id, document.project_id, title)
        await self.store.put_document(ref)
        total = 1 + 2 * len(drafts)
        await self._embed(ref, drafts, ts_config_for(language), total)
        note, generated_by = await self._extract(ref, drafts, total)
        counts = await self.store.document_counts(self.document_id)
        await _update(
            ctx,
            self.document_id,
            status=DocumentStatus.ready,
            stage=None,
            error=note,
            chunk_count=counts.chunks,
            entity_count=counts.entities,
            relation_count=counts.relations,
            extraction_generated_by=generated_by,
        )
        summary = {
            "stage": "ready",
            "document_id": str(self.document_id),
            "status": "ready",
            "pages": prepared.pages,
            "words": prepared.words,
            "summary": prepared.describe(),
            "chunks": counts.chunks,
            "entities": counts.entities,
            "relations": counts.relations,
        }
        await ctx.emit("item", summary)
        return summary

    async def _embed(
        self, ref: DocumentRef, drafts: list[ChunkDraft], ts_config: str, total: int
    ) -> None:
        ctx = self.ctx
        done = int(ctx.checkpoint("embedded", 0))
        await _update(ctx, self.document_id, stage="embedding")
        batch = self.settings.embed_batch

        def embedding(start: int) -> asyncio.Task[list[list[float]]] | None:
            if start >= len(drafts):
                return None
            return asyncio.create_task(
                ctx.llm.embed(
                    [d.embedding_text for d in drafts[start : start + batch]],
                    ctx.call_context,
                    flow="knowledge.embed",
                )
            )

        # The next batch is embedded while this one is stored: the embedder
        # (another process, or a provider) and PostgreSQL work side by side.
        upcoming = embedding(done)
        try:
            for start in range(done, len(drafts), batch):
                await ctx.check_cancelled()
                await self._exists()
                part = drafts[start : start + batch]
                if upcoming is None:  # (never: one task per batch)
                    break
                vectors = await upcoming
                upcoming = embedding(start + batch)
                records = [
                    ChunkRecord(
                        id=d.chunk_id(self.document_id),
                        document_id=self.document_id,
                        project_id=ref.project_id,
                        ordinal=d.ordinal,
                        text=d.text,
                        heading=d.heading,
                        page=d.page,
                        page_end=d.page_end,
                        tokens=d.tokens,
                        ts_config=ts_config,
                        embedding=v,
                    )
                    for d, v in zip(part, vectors, strict=True)
                ]
                await self.store.put_chunks(ref, records)
                done = start + len(part)
                await ctx.save_checkpoint("embedded", done)
                await ctx.progress(
                    1 + done, total, f"embedded {done}/{len(drafts)} chunks"
                )
        finally:
            # A failure above leaves the next batch's embedding running or
            # ended with its own error: stop it, and consume its outcome.
            if upcoming is not None:
                upcoming.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await upcoming

    async def _extract(
        self, ref: DocumentRef, drafts: list[ChunkDraft], total: int
    ) -> tuple[str | None, str | None]:
        """Entities and relations per chunk. A chunk the model cannot answer for
        is skipped; a provider that refuses for good (budget, key) stops
        extraction but the document stays searchable, with a note."""
        ctx = self.ctx
        if not self.settings.extract_entities:
            return None, None
        done = int(ctx.checkpoint("extracted", 0))
        await _update(ctx, self.document_id, stage="extracting")
        group = self.settings.extract_concurrency
        skipped = int(ctx.checkpoint("extract_skipped", 0))
        generated_by: str | None = ctx.checkpoint("generated_by")
        final = ctx.attempt >= ctx.runtime.settings.jobs.max_attempts
        for start in range(done, len(drafts), group):
            await ctx.check_cancelled()
            await self._exists()
            part = drafts[start : start + group]
            try:
                results = await asyncio.gather(*(self._facts_of(ref, d) for d in part))
            except LLMProviderFailed as exc:
                if exc.status_code >= 500 and not final:
                    raise  # transient: the retry resumes from this group
                return f"entities were not extracted: {exc.detail}", generated_by
            except SightError as exc:
                return f"entities were not extracted: {exc.detail}", generated_by
            facts = [f for f, _ in results if f is not None]
            skipped += sum(1 for f, _ in results if f is None)
            generated_by = next((g for _, g in results if g), generated_by)
            await self.store.put_facts(ref, facts)
            done = start + len(part)
            await ctx.save_checkpoint("extracted", done)
            await ctx.save_checkpoint("extract_skipped", skipped)
            await ctx.save_checkpoint("generated_by", generated_by)
            await ctx.progress(
                1 + len(drafts) + done, total, f"extracted facts from {done} chunks"
            )
        note = (
            f"entities could not be extracted from {skipped} chunk(s)"
            if skipped
            else None
        )
        return note, generated_by

    async def _facts_of(
        self, ref: DocumentRef, draft: ChunkDraft
    ) -> tuple[ChunkFacts | None, str | None]:
        try:
            result = await self.ctx.llm.generate(
                "knowledge.extract",
                Extraction,
                system=SYSTEM,
                prompt=extraction_prompt(draft.text, draft.heading, ref.title),
                ctx=self.ctx.call_context,
                prompt_version=PROMPT_VERSION,
            )
        except StructuredOutputFailed:
            return None, None
        return to_facts(draft.chunk_id(self.document_id), result.output), (
            result.generated_by
        )
