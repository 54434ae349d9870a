"""API shapes of the knowledge domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from sight.kit.schemas import InputSchema, Int, Schema, Text

Query = Annotated[
    Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
]


class DocumentRead(Schema):
    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    filename: str
    media_type: str = Field(description="pdf | docx | markdown | html | text (sniffed)")
    size_bytes: int
    content_hash: str
    status: str = Field(description="queued | processing | ready | failed | waiting")
    stage: str | None = Field(description="parsing | embedding | extracting")
    error: str | None
    pages: int | None
    chunk_count: int
    entity_count: int
    relation_count: int
    language: str | None
    embedding_model: str
    embedding_dimensions: int
    store: str
    extraction_generated_by: str | None
    job_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class UploadResult(Schema):
    document: DocumentRead
    duplicate: bool = Field(description="true: the same content was uploaded before")
    job_id: uuid.UUID | None = Field(description="follow /api/v1/jobs/{id}/events")


class SearchRequest(InputSchema):
    query: Query
    top_k: Int = Field(5, ge=1, le=50)
    mode: Literal["hybrid", "vector", "keyword"] = "hybrid"
    graph_expansion: bool = False


class SearchResult(Schema):
    chunk_id: uuid.UUID
    document_id: uuid.UUID
    document_title: str
    page: int | None
    page_end: int | None
    heading: str
    score: float = Field(description="fused RRF score (0 for graph expansion)")
    snippet: str = Field(description="HTML-escaped text, matches in <mark>")
    text: str
    vector_rank: int | None
    vector_score: float | None = Field(description="cosine similarity")
    keyword_rank: int | None
    keyword_score: float | None
    source: Literal["search", "graph"]
    linked_entities: list[str]


class SearchResponse(Schema):
    query: str
    mode: str
    results: list[SearchResult]
    took_ms: float = Field(description="store time, query embedding excluded")
    store: str
    documents_searched: int


class AskRequest(InputSchema):
    question: Query
    top_k: Int = Field(6, ge=1, le=20)
    mode: Literal["hybrid", "vector", "keyword"] = "hybrid"
    graph_expansion: bool = False


class Citation(Schema):
    number: int
    chunk_id: uuid.UUID
    document_id: uuid.UUID
    document_title: str
    page: int | None
    page_end: int | None
    heading: str
    snippet: str


class AskResponse(Schema):
    question: str
    found: bool = Field(description="false: the documents do not contain the answer")
    answer: str = Field(description="with [n] markers referring to citations")
    citations: list[Citation]
    generated_by: str | None


class ReembedRequest(InputSchema):
    force: bool = Field(False, description="re-index every document, not only stale")


class ReembedResult(Schema):
    queued: list[uuid.UUID]


class ChunkRead(Schema):
    chunk_id: uuid.UUID
    ordinal: int
    heading: str
    page: int | None
    page_end: int | None
    text: str


class EntityRead(Schema):
    type: str
    name: str
    mentions: int
    documents: int


class RelationRead(Schema):
    source: str
    source_type: str
    target: str
    target_type: str
    type: str
    description: str
    document_id: uuid.UUID
    chunk_id: uuid.UUID


class GraphRead(Schema):
    entities: list[EntityRead]
    relations: list[RelationRead]
