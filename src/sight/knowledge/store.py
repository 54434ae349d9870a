"""The knowledge store contract: one protocol, two adapters.

`PostgresKnowledgeStore` (default; pgvector + full-text + entity tables) and
`Neo4jKnowledgeStore` (`NEO4J_URI`; vector and full-text indexes, entity
nodes and relationships) implement `KnowledgeStore`, and one contract test
suite runs against both. Document metadata never lives here: it is always in
PostgreSQL (`knowledge_documents`), so listing documents needs no store call.

Every search takes the ids of the documents it may return (ready documents of
one project in one embedding space), so a half-ingested document, another
project's chunks or vectors of another model can never appear in results.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sight.knowledge.analytics import ConceptGraph, GraphAnalytics


@dataclass(frozen=True)
class DocumentRef:
    id: uuid.UUID
    project_id: uuid.UUID
    title: str


@dataclass(frozen=True)
class ChunkRecord:
    id: uuid.UUID
    document_id: uuid.UUID
    project_id: uuid.UUID
    ordinal: int
    text: str
    heading: str
    page: int | None
    page_end: int | None
    tokens: int
    ts_config: str
    embedding: list[float]


@dataclass(frozen=True)
class ChunkHit:
    """A chunk as a search returns it; `score` is the method's own score
    (cosine similarity, text rank or shared-entity count) and `rank` is 1-based."""

    chunk_id: uuid.UUID
    document_id: uuid.UUID
    ordinal: int
    text: str
    heading: str
    page: int | None
    page_end: int | None
    score: float
    rank: int
    # Graph expansion only: the entities that link this chunk to the results.
    via: tuple[str, ...] = ()


@dataclass(frozen=True)
class EntityFact:
    type: str
    name: str
    key: str
    description: str = ""


@dataclass(frozen=True)
class RelationFact:
    source: tuple[str, str]  # (entity type, entity key)
    target: tuple[str, str]
    type: str
    description: str


@dataclass
class ChunkFacts:
    """What extraction found in one chunk: relations cite that chunk."""

    chunk_id: uuid.UUID
    entities: list[EntityFact] = field(default_factory=list)
    relations: list[RelationFact] = field(default_factory=list)


@dataclass(frozen=True)
class EntitySummary:
    type: str
    name: str
    key: str
    mentions: int
    documents: int


@dataclass(frozen=True)
class RelationSummary:
    source: str
    source_type: str
    target: str
    target_type: str
    type: str
    description: str
    document_id: uuid.UUID
    chunk_id: uuid.UUID


@dataclass(frozen=True)
class DocumentCounts:
    chunks: int
    entities: int
    relations: int


class KnowledgeStore(Protocol):
    name: str

    async def ping(self) -> None:
        """Raise KnowledgeStoreUnavailable when the store cannot be reached."""

    async def put_document(self, document: DocumentRef) -> None: ...

    async def put_chunks(
        self, document: DocumentRef, chunks: Sequence[ChunkRecord]
    ) -> None:
        """Insert or replace (by id): re-running a batch is harmless."""

    async def put_facts(
        self, document: DocumentRef, facts: Sequence[ChunkFacts]
    ) -> None:
        """Entities are shared by the project (merged on type + key);
        mentions and relations belong to the chunk they came from."""

    async def vector_search(
        self,
        project_id: uuid.UUID,
        embedding: Sequence[float],
        limit: int,
        document_ids: Sequence[uuid.UUID],
    ) -> list[ChunkHit]: ...

    async def keyword_search(
        self,
        project_id: uuid.UUID,
        query: str,
        limit: int,
        document_ids: Sequence[uuid.UUID],
        ts_configs: Sequence[str],
    ) -> list[ChunkHit]: ...

    async def snippets(
        self,
        project_id: uuid.UUID,
        query: str,
        chunk_ids: Sequence[uuid.UUID],
        ts_configs: Sequence[str],
        texts: Mapping[uuid.UUID, str] | None = None,
    ) -> dict[uuid.UUID, str]:
        """HTML-escaped passages with query terms in <mark>…</mark>. `texts`
        (chunk id -> text, when the caller has them) spares a store that
        highlights in Python a round trip."""

    async def linked_chunks(
        self,
        project_id: uuid.UUID,
        chunk_ids: Sequence[uuid.UUID],
        limit: int,
        document_ids: Sequence[uuid.UUID],
    ) -> list[ChunkHit]:
        """Chunks that mention the entities of `chunk_ids` (or entities related
        to them), most shared entities first; `via` names the entities."""

    async def adjacent_chunks(
        self, project_id: uuid.UUID, chunk_id: uuid.UUID, window: int
    ) -> list[ChunkHit]:
        """The chunk and its neighbours in document order."""

    async def document_counts(self, document_id: uuid.UUID) -> DocumentCounts: ...

    async def entities(
        self,
        project_id: uuid.UUID,
        limit: int,
        document_ids: Sequence[uuid.UUID] | None = None,
    ) -> list[EntitySummary]: ...

    async def relations(
        self,
        project_id: uuid.UUID,
        limit: int,
        document_ids: Sequence[uuid.UUID] | None = None,
    ) -> list[RelationSummary]: ...

    async def delete_document(self, document_id: uuid.UUID) -> None:
        """Chunks, vectors, mentions and relations of the document, and the
        entities no other document mentions."""

    async def document_ids(self, project_id: uuid.UUID | None) -> set[uuid.UUID]:
        """Documents the store holds data for (finds orphans after a crash)."""

    async def concept_graph_analytics(self, graph: ConceptGraph) -> GraphAnalytics: ...
