"""Tables of the knowledge domain.

`knowledge_documents` (and the uploaded bytes in `knowledge_document_files`)
always live in PostgreSQL, whichever store holds the chunks: status, hash,
title, pages, error and the embedding space a document was embedded in.
The other tables are the PostgreSQL adapter's store; with Neo4j configured
they stay empty.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pgvector.sqlalchemy import HALFVEC, VECTOR
from sqlalchemy import (
    BigInteger,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    cast,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from sight.kit.models import Base, IdMixin, TimestampMixin
from sight.knowledge.sniffing import FALLBACK_TS_CONFIG as FALLBACK_TS_CONFIG

# Languages with a PostgreSQL snowball dictionary get stemming; everything else
# (Polish included: PostgreSQL ships no Polish dictionary) uses `simple` with
# `unaccent`, so "żółw" and "zolw" still match.
TS_CONFIGS = ("english", "german", "french", "spanish", "italian", "portuguese")


def tsvector_expression() -> str:
    # Each branch uses a constant regconfig, so the expression is immutable and
    # may be a stored generated column.
    body = "coalesce(heading, '') || ' ' || text"
    cases = " ".join(
        f"WHEN '{name}' THEN to_tsvector('{name}'::regconfig, {body})"
        for name in TS_CONFIGS
    )
    return (
        f"CASE ts_config {cases} "
        f"ELSE to_tsvector('{FALLBACK_TS_CONFIG}'::regconfig, {body}) END"
    )


# Embedding sizes with an HNSW index (see the knowledge migrations). Every
# size is indexed as halfvec (issue 16): half the graph's memory (1M chunks of
# 512 dimensions: 2.6 GB as `vector`), so a large knowledge base's index stays
# in shared buffers; a search re-ranks its candidates by the full-precision
# column, so scores and order are those of the stored vectors.
HNSW_DIMENSIONS = (256, 384, 512, 768, 1024, 1536, 3072)


def vector_cast(dimensions: int) -> str:
    """The cast a query must use for the planner to pick the partial index."""
    return f"halfvec({int(dimensions)})"


class DocumentStatus(StrEnum):
    queued = "queued"
    processing = "processing"
    ready = "ready"
    failed = "failed"
    # The configured store (Neo4j) is unreachable; ingestion resumes by itself.
    waiting = "waiting"


class Document(IdMixin, TimestampMixin, Base):
    __tablename__ = "knowledge_documents"
    __table_args__ = (
        # Re-uploading the same bytes into a project finds the existing row.
        UniqueConstraint("project_id", "content_hash"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True, nullable=False
    )
    # Whose budget and routing the ingestion's model calls use.
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    filename: Mapped[str] = mapped_column(String(500), nullable=False)
    media_type: Mapped[str] = mapped_column(String(20), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    # parsing | embedding | extracting while status is processing.
    stage: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int | None] = mapped_column(Integer)
    chunk_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    entity_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    relation_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The PostgreSQL text-search configuration its chunks were indexed with.
    language: Mapped[str | None] = mapped_column(String(40))
    # The embedding space is part of the data: vectors of different models or
    # dimensions are never compared with each other.
    embedding_model: Mapped[str] = mapped_column(String(200), nullable=False)
    embedding_dimensions: Mapped[int] = mapped_column(Integer, nullable=False)
    # postgres | neo4j: where its chunks, vectors and graph facts live.
    store: Mapped[str] = mapped_column(String(20), nullable=False)
    extraction_generated_by: Mapped[str | None] = mapped_column(String(200))
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL")
    )


class DocumentFile(Base):
    """The uploaded bytes, kept apart so listing documents never loads them.

    Workers on other machines read the file from here, and re-embedding a
    project with another model re-parses it."""

    __tablename__ = "knowledge_document_files"

    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("knowledge_documents.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class Chunk(Base):
    __tablename__ = "knowledge_chunks"
    __table_args__ = (
        UniqueConstraint("document_id", "ordinal"),
        Index("ix_knowledge_chunks_tsv", "tsv", postgresql_using="gin"),
    )

    # Deterministic (uuid5 of document and position): a re-run upserts.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("knowledge_documents.id", ondelete="CASCADE"), nullable=False
    )
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True, nullable=False
    )
    ordinal: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    heading: Mapped[str] = mapped_column(Text, nullable=False, default="")
    page: Mapped[int | None] = mapped_column(Integer)
    page_end: Mapped[int | None] = mapped_column(Integer)
    token_count: Mapped[int] = mapped_column(Integer, nullable=False)
    ts_config: Mapped[str] = mapped_column(String(40), nullable=False)
    # Any dimension: per-dimension partial HNSW indexes on a cast expression
    # (see the migration) keep each embedding space indexed on its own.
    dimensions: Mapped[int] = mapped_column(Integer, nullable=False)
    embedding: Mapped[list[float]] = mapped_column(VECTOR(), nullable=False)
    tsv: Mapped[str] = mapped_column(
        TSVECTOR, Computed(tsvector_expression(), persisted=True)
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class Entity(IdMixin, Base):
    __tablename__ = "knowledge_entities"
    __table_args__ = (UniqueConstraint("project_id", "type", "key"),)

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    type: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    # Lower-cased, unaccented, single-spaced: "Gen Z" and "gen  z" are one entity.
    key: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Mention(Base):
    __tablename__ = "knowledge_mentions"

    entity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("knowledge_entities.id", ondelete="CASCADE"), primary_key=True
    )
    chunk_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("knowledge_chunks.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("knowledge_documents.id", ondelete="CASCADE"),
        index=True,
        nullable=False,
    )


class Relation(IdMixin, Base):
    __tablename__ = "knowledge_relations"
    __table_args__ = (UniqueConstraint("chunk_id", "source_id", "target_id", "type"),)

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True, nullable=False
    )
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("knowledge_documents.id", ondelete="CASCADE"),
        index=True,
        nullable=False,
    )
    chunk_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("knowledge_chunks.id", ondelete="CASCADE"), nullable=False
    )
    source_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("knowledge_entities.id", ondelete="CASCADE"),
        index=True,
        nullable=False,
    )
    target_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("knowledge_entities.id", ondelete="CASCADE"),
        index=True,
        nullable=False,
    )
    # One of RELATION_TYPES (extraction.py): model output is mapped, not trusted.
    type: Mapped[str] = mapped_column(String(40), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


def _hnsw_index(dims: int) -> Index:
    label = f"embedding_{dims}"
    return Index(
        f"ix_knowledge_chunks_hnsw_{dims}",
        cast(Chunk.embedding, HALFVEC(dims)).label(label),
        postgresql_using="hnsw",
        postgresql_ops={label: "halfvec_cosine_ops"},
        postgresql_where=text(f"dimensions = {dims}"),
    )


for _dims in HNSW_DIMENSIONS:
    _hnsw_index(_dims)
