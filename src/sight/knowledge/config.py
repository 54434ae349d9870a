"""Knobs of the knowledge domain, from `SIGHT_KNOWLEDGE__*` environment variables.

They live here rather than in `sight.config.Settings` so the domain owns its
defaults; the names follow the same nested convention (`SIGHT_KNOWLEDGE__RRF_K`)
and would not change if the group moved into `Settings`. Tests pass their own
instance through `app.state.knowledge_settings` before the app starts.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class KnowledgeSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SIGHT_KNOWLEDGE__", extra="ignore", env_file=None
    )

    max_upload_mb: float = Field(50.0, gt=0)
    chunk_tokens: int = Field(400, ge=50, le=4000)
    chunk_overlap_tokens: int = Field(60, ge=0, le=1000)
    # Reciprocal rank fusion constant: score = sum of 1 / (rrf_k + rank).
    rrf_k: int = Field(60, ge=1)
    # Candidates each retriever contributes before fusion.
    candidates: int = Field(50, ge=1, le=1000)
    graph_expansion_limit: int = Field(5, ge=0, le=50)
    embed_batch: int = Field(32, ge=1, le=512)
    extract_entities: bool = True
    extract_concurrency: int = Field(4, ge=1, le=64)
    # How often an unreachable Neo4j is retried (and stores swept of orphans).
    reconnect_seconds: float = Field(300.0, gt=0)
    # Cosine similarity a passage needs to be cited (answers, persona briefs);
    # unset: the embedder's measured floor (relevance.py).
    relevance_floor: float | None = Field(None, ge=-1, le=1)
    # Per-document limits of the parsing process (see preparation.py): a file
    # over one of them fails with a reason naming it instead of freezing a worker.
    max_unpacked_mb: float = Field(100.0, gt=0)
    max_paragraphs: int = Field(50_000, ge=1)
    max_pages: int = Field(2_000, ge=1)
    parse_timeout_seconds: float = Field(120.0, gt=0)
    parse_memory_mb: int = Field(1024, ge=64)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)
