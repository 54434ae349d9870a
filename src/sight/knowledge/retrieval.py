"""Hybrid retrieval: vector + keyword search fused by reciprocal rank fusion,
optional expansion through the entities of the top chunks.

`retrieve()` is the function other domains call (segment briefs, focus-group
context): it takes a sessionmaker, opens only short sessions, and returns
`RetrievedChunk`s that carry everything a citation needs.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Literal

from sight.knowledge import search_postgres
from sight.knowledge.errors import EmbeddingSpaceMismatch, KnowledgeStoreUnavailable
from sight.knowledge.relevance import floor_for, is_prose, is_relevant
from sight.knowledge.runtime import KnowledgeBackend, backend_for
from sight.knowledge.search_postgres import DocumentRow
from sight.knowledge.sniffing import ts_config_for
from sight.knowledge.store import ChunkHit, KnowledgeStore
from sight.knowledge.store_postgres import PostgresKnowledgeStore
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.postgres import SessionMaker

Mode = Literal["hybrid", "vector", "keyword"]


@dataclass(frozen=True)
class RetrievedChunk:
    chunk_id: uuid.UUID
    document_id: uuid.UUID
    document_title: str
    page: int | None
    page_end: int | None
    heading: str
    text: str
    score: float
    snippet: str
    vector_rank: int | None = None
    vector_score: float | None = None
    keyword_rank: int | None = None
    keyword_score: float | None = None
    # "search" for fused results; "graph" for chunks added by expansion.
    source: str = "search"
    linked_entities: tuple[str, ...] = ()

    def citation(self) -> dict[str, object]:
        """What a persona, an answer or a report stores to point back here."""
        return {
            "document_id": str(self.document_id),
            "document_title": self.document_title,
            "page": self.page,
            "page_end": self.page_end,
            "heading": self.heading,
            "chunk_id": str(self.chunk_id),
        }


@dataclass
class SearchOutcome:
    results: list[RetrievedChunk]
    took_ms: float
    store: str
    documents_searched: int
    timings: dict[str, float] = field(default_factory=dict)
    # The cosine similarity a result needs to be cited (relevance.py).
    relevance_floor: float = 0.0

    def citable(self, query: str) -> list[RetrievedChunk]:
        """The results that may be cited for `query`: relevant enough, and
        prose rather than a table of codes. Possibly none."""
        return [
            r
            for r in self.results
            if is_prose(r.text)
            and is_relevant(query, r.text, r.vector_score, self.relevance_floor)
        ]


def embedding_space(name: str, model: str) -> str:
    return f"{name}:{model}"


def rrf(rankings: list[list[ChunkHit]], k: int) -> list[tuple[uuid.UUID, float]]:
    """Reciprocal rank fusion: each list adds 1 / (k + rank) to a chunk's score.
    Ties break on chunk id so the order is stable across calls."""
    scores: dict[uuid.UUID, float] = {}
    for ranking in rankings:
        for hit in ranking:
            scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + 1.0 / (k + hit.rank)
    return sorted(scores.items(), key=lambda item: (-item[1], str(item[0])))


@dataclass(frozen=True)
class _Space:
    documents: dict[uuid.UUID, DocumentRow]
    ts_configs: list[str]


async def searchable_documents(
    sessionmaker: SessionMaker,
    backend: KnowledgeBackend,
    project_id: uuid.UUID,
    model: str,
    dimensions: int,
) -> _Space:
    """Ready documents of the project; refuses when they were embedded in
    another space (or stored in another store) than the configured one."""
    rows = await search_postgres.ready_documents(sessionmaker, project_id)
    return _space(rows, backend, project_id, model, dimensions)


def _space(
    rows: list[DocumentRow],
    backend: KnowledgeBackend,
    project_id: uuid.UUID,
    model: str,
    dimensions: int,
) -> _Space:
    foreign = [
        d
        for d in rows
        if (d.embedding_model, d.embedding_dimensions) != (model, dimensions)
        or d.store != backend.store_name
    ]
    if foreign:
        first = foreign[0]
        raise EmbeddingSpaceMismatch(
            f"{len(foreign)} document(s) of this project were indexed with "
            f"{first.embedding_model} ({first.embedding_dimensions} dimensions) in "
            f"{first.store}, but the configured embedder is {model} ({dimensions} "
            f"dimensions) in {backend.store_name}; vectors of different models "
            "cannot be compared. Re-index them with POST "
            f"/api/v1/projects/{project_id}/documents/reembed, or configure "
            f"{first.embedding_model} again."
        )
    configs = sorted({ts_config_for(d.language or "") for d in rows})
    return _Space({d.id: d for d in rows}, configs)


async def search(
    sessionmaker: SessionMaker,
    gateway: LLMGateway,
    project_id: uuid.UUID,
    query: str,
    *,
    top_k: int = 5,
    mode: Mode = "hybrid",
    graph_expansion: bool = False,
    ctx: CallContext | None = None,
    backend: KnowledgeBackend | None = None,
    query_embedding: list[float] | None = None,
) -> SearchOutcome:
    """Search a project's ready documents. `query_embedding` skips embedding
    the query (benchmarks measure the store, not the embedder)."""
    backend = backend or backend_for(gateway.settings, sessionmaker)
    knowledge = backend.knowledge
    embedder = await gateway.embedder()
    model = embedding_space(embedder.name, embedder.model)
    # PostgreSQL, hybrid: the statements pipelined (search_postgres.py).
    one_pass = mode == "hybrid" and isinstance(backend.store, PostgresKnowledgeStore)
    parsed: dict[str, str] = {}
    if one_pass:
        rows, parsed = await search_postgres.documents_and_query(
            backend.sessionmaker, project_id, query
        )
        space = _space(rows, backend, project_id, model, embedder.dimensions)
    else:
        space = await searchable_documents(
            sessionmaker, backend, project_id, model, embedder.dimensions
        )
    floor = floor_for(embedder.name, knowledge.relevance_floor)
    if not space.documents or not query.strip():
        return SearchOutcome(
            [], 0.0, backend.store_name, len(space.documents), relevance_floor=floor
        )
    store = await backend.require()
    ids = list(space.documents)
    candidates = max(knowledge.candidates, top_k)
    vector: list[ChunkHit] = []
    keyword: list[ChunkHit] = []
    embedding = query_embedding
    if embedding is None and mode in ("hybrid", "vector"):
        ctx = ctx or CallContext(None, project_id)
        embedding = (await gateway.embed([query], ctx, flow="knowledge.embed"))[0]
    started = time.perf_counter()
    snippets: dict[uuid.UUID, str] = {}
    try:
        if one_pass and embedding is not None:
            found = await search_postgres.candidates(
                backend.sessionmaker,
                project_id,
                embedding,
                search_postgres.combined_tsquery(parsed, space.ts_configs),
                candidates,
                ids,
                rrf_k=knowledge.rrf_k,
                top_k=top_k,
            )
            vector, keyword, snippets = found.vector, found.keyword, found.snippets
        else:
            vector, keyword = await _candidates(
                store,
                project_id,
                query,
                embedding,
                candidates,
                ids,
                space.ts_configs,
                mode,
            )
        fused = rrf([r for r in (vector, keyword) if r], knowledge.rrf_k)[:top_k]
        by_id = {h.chunk_id: h for h in (*keyword, *vector)}
        linked: list[ChunkHit] = []
        if graph_expansion and fused and knowledge.graph_expansion_limit:
            linked = await store.linked_chunks(
                project_id, [c for c, _ in fused], knowledge.graph_expansion_limit, ids
            )
        chosen = [c for c, _ in fused] + [h.chunk_id for h in linked]
        missing = [c for c in chosen if c not in snippets]
        if missing:
            texts = {h.chunk_id: h.text for h in (*vector, *keyword, *linked)}
            snippets.update(
                await store.snippets(
                    project_id, query, missing, space.ts_configs, texts
                )
            )
    except KnowledgeStoreUnavailable as exc:
        backend.failed(exc)
        raise
    took = (time.perf_counter() - started) * 1000
    ranks_v = {h.chunk_id: h for h in vector}
    ranks_k = {h.chunk_id: h for h in keyword}
    results: list[RetrievedChunk] = []
    for chunk_id, score in fused:
        hit = by_id[chunk_id]
        results.append(
            _result(
                hit,
                space,
                score,
                snippets,
                ranks_v.get(chunk_id),
                ranks_k.get(chunk_id),
            )
        )
    for hit in linked:
        results.append(_result(hit, space, 0.0, snippets, None, None, source="graph"))
    return SearchOutcome(
        results, round(took, 2), backend.store_name, len(ids), relevance_floor=floor
    )


async def _candidates(
    store: KnowledgeStore,
    project_id: uuid.UUID,
    query: str,
    embedding: list[float] | None,
    limit: int,
    ids: list[uuid.UUID],
    ts_configs: list[str],
    mode: Mode,
) -> tuple[list[ChunkHit], list[ChunkHit]]:
    async def vector() -> list[ChunkHit]:
        if embedding is None or mode == "keyword":
            return []
        return await store.vector_search(project_id, embedding, limit, ids)

    async def keyword() -> list[ChunkHit]:
        if mode == "vector":
            return []
        return await store.keyword_search(project_id, query, limit, ids, ts_configs)

    if mode == "hybrid" and embedding is not None:
        # Neo4j: both sides in one statement (store_neo4j.py).
        hybrid = getattr(store, "hybrid_candidates", None)
        if hybrid is not None:
            found: tuple[list[ChunkHit], list[ChunkHit]] = await hybrid(
                project_id, query, embedding, limit, ids
            )
            return found
    v, k = await asyncio.gather(vector(), keyword())
    return v, k


def _result(
    hit: ChunkHit,
    space: _Space,
    score: float,
    snippets: dict[uuid.UUID, str],
    vector: ChunkHit | None,
    keyword: ChunkHit | None,
    source: str = "search",
) -> RetrievedChunk:
    return RetrievedChunk(
        chunk_id=hit.chunk_id,
        document_id=hit.document_id,
        document_title=space.documents[hit.document_id].title,
        page=hit.page,
        page_end=hit.page_end,
        heading=hit.heading,
        text=hit.text,
        score=round(score, 6),
        snippet=snippets.get(hit.chunk_id, ""),
        vector_rank=vector.rank if vector else None,
        vector_score=round(vector.score, 6) if vector else None,
        keyword_rank=keyword.rank if keyword else None,
        keyword_score=round(keyword.score, 6) if keyword else None,
        source=source,
        linked_entities=hit.via,
    )


async def retrieve(
    sessionmaker: SessionMaker,
    gateway: LLMGateway,
    project_id: uuid.UUID,
    query: str,
    top_k: int = 5,
    ctx: CallContext | None = None,
    *,
    mode: Mode = "hybrid",
    graph_expansion: bool = False,
) -> list[RetrievedChunk]:
    """The chunks of the project's documents that best match `query` and may
    be cited for it (relevance floor, prose: see relevance.py), best first;
    fewer than `top_k`, or none, when nothing else is related.

    For other domains: returns [] when the project has no ready documents;
    raises EmbeddingSpaceMismatch (409) or KnowledgeStoreUnavailable (503),
    which callers may catch to continue without document context. Store
    `chunk.citation()` with whatever is produced from the chunks."""
    outcome = await search(
        sessionmaker,
        gateway,
        project_id,
        query,
        top_k=top_k,
        mode=mode,
        graph_expansion=graph_expansion,
        ctx=ctx,
    )
    return outcome.citable(query)


def context_block(chunks: list[RetrievedChunk]) -> str:
    """Chunks as numbered sources for a prompt: "[1] Title, p. 3\\ntext"."""
    return "\n\n".join(
        f"[{n}] {c.document_title}"
        + (f", p. {c.page}" if c.page else "")
        + f"\n{c.text}"
        for n, c in enumerate(chunks, start=1)
    )
