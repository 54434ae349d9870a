"""Tables of focus groups: the group, every turn spoken in it, and interviews.

A turn (`FocusGroupResponse`) is one persona's answer or one moderator line.
It is unique per (group, question, round, speaker): a resumed run can never
store the same answer twice. `round` 0 is the answer to the question, round 1
the answer to the moderator's probe; the moderator is the speaker with no
persona (NULLS NOT DISTINCT, so there is one moderator line per round).

Each stored answer carries one embedding (the persona's memory), indexed with
HNSW per embedding size like knowledge chunks are: a partial index on a cast
expression keeps each embedding space searchable on its own.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pgvector.sqlalchemy import HALFVEC, VECTOR
from sqlalchemy import (
    DateTime,
    Float,
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
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sight.kit.models import Base, IdMixin, TimestampMixin

# Embedding sizes with an HNSW index (the same set as knowledge chunks);
# above 2000 dimensions pgvector indexes only `halfvec`.
HNSW_DIMENSIONS = (256, 384, 512, 768, 1024, 1536, 3072)
HALFVEC_ABOVE = 2000


def vector_cast(dimensions: int) -> str:
    """The cast a query must use for the planner to consider the partial index."""
    kind = "halfvec" if dimensions > HALFVEC_ABOVE else "vector"
    return f"{kind}({int(dimensions)})"


class FocusGroupMode(StrEnum):
    normal = "normal"  # each persona answers on its own, all in parallel
    discussion = "discussion"  # waves hear earlier waves; the moderator probes
    adversarial = "adversarial"  # as discussion, challenging the concept


class FocusGroupStatus(StrEnum):
    pending = "pending"  # editable, never run
    queued = "queued"  # run requested, the job has not started yet
    running = "running"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"


# Once run, a group is a record of what was said: it can no longer be edited.
EDITABLE_STATUSES = frozenset({FocusGroupStatus.pending})
ACTIVE_STATUSES = frozenset({FocusGroupStatus.queued, FocusGroupStatus.running})


class TurnRole(StrEnum):
    persona = "persona"
    moderator = "moderator"


class TurnStatus(StrEnum):
    ok = "ok"
    failed = "failed"


class FocusGroup(IdMixin, TimestampMixin, Base):
    __tablename__ = "focus_groups"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True, nullable=False
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    project_context: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Participants in speaking order of the plan (list of persona id strings).
    persona_ids: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    # [{"text": str, "follow_up": "auto" | "always" | "never"}]
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    # {"kind": "concept" | "ad_copy" | "price_point" | "image" | "other",
    #  "title", "content"}; an image adds "image": {mime_type, width, height,
    #  bytes, sha256} and its bytes in `stimulus_image`.
    stimulus: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Loaded only on purpose (undefer / a column query): lists never carry it.
    stimulus_image: Mapped[bytes | None] = mapped_column(
        LargeBinary, deferred=True, deferred_raiseload=True
    )
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    mode: Mapped[str] = mapped_column(String(20), nullable=False)
    # Speakers per wave in discussion modes (recorded; the default is chosen
    # from the group size, see service.default_wave_size).
    wave_size: Mapped[int] = mapped_column(Integer, nullable=False)
    # Target median words per persona turn (human focus groups: about 50).
    turn_words: Mapped[int] = mapped_column(Integer, nullable=False, default=50)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=FocusGroupStatus.pending, index=True
    )
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    total_execution_time_ms: Mapped[int | None] = mapped_column(Integer)
    avg_response_time_ms: Mapped[float | None] = mapped_column(Float)
    # User-facing reason when the run failed.
    error: Mapped[str | None] = mapped_column(Text)


class FocusGroupResponse(IdMixin, Base):
    __tablename__ = "focus_group_responses"
    __table_args__ = (
        UniqueConstraint(
            "focus_group_id",
            "question_index",
            "round",
            "persona_id",
            name="uq_focus_group_responses_turn",
            postgresql_nulls_not_distinct=True,
        ),
    )

    focus_group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("focus_groups.id", ondelete="CASCADE"), index=True, nullable=False
    )
    # Denormalised so memory retrieval never crosses projects (one filter).
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    persona_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("personas.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    question_index: Mapped[int] = mapped_column(Integer, nullable=False)
    round: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    wave: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Speaking order within the question (round 0 first, then the probe).
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    reply_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("focus_group_responses.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # From the speaker's start to the last word; first_token_ms to the first.
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    first_token_ms: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    generated_by: Mapped[str] = mapped_column(String(160), nullable=False)
    prompt_version: Mapped[str] = mapped_column(String(40), nullable=False)
    # Extra facts of the turn (probe: reason and addressees; memory used).
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Memory: one embedding per stored answer, written right after the answer.
    embedding: Mapped[list[float] | None] = mapped_column(VECTOR())
    embedding_dimensions: Mapped[int | None] = mapped_column(Integer)
    embedding_model: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


def _hnsw_index(dims: int) -> Index:
    halfvec = dims > HALFVEC_ABOVE
    label = f"embedding_{dims}"
    return Index(
        f"ix_focus_group_responses_hnsw_{dims}",
        cast(
            FocusGroupResponse.embedding, HALFVEC(dims) if halfvec else VECTOR(dims)
        ).label(label),
        postgresql_using="hnsw",
        postgresql_ops={
            label: "halfvec_cosine_ops" if halfvec else "vector_cosine_ops"
        },
        postgresql_where=text(f"embedding_dimensions = {dims}"),
    )


for _dims in HNSW_DIMENSIONS:
    _hnsw_index(_dims)


class PersonaChatMessage(IdMixin, Base):
    """One message of an interview with a persona (per interviewer)."""

    __tablename__ = "persona_chat_messages"
    __table_args__ = (
        Index("ix_persona_chat_messages_thread", "persona_id", "user_id", "created_at"),
    )

    persona_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("personas.id", ondelete="CASCADE"), nullable=False
    )
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True, nullable=False
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    role: Mapped[str] = mapped_column(String(20), nullable=False)  # user | persona
    content: Mapped[str] = mapped_column(Text, nullable=False)
    generated_by: Mapped[str | None] = mapped_column(String(160))
    prompt_version: Mapped[str | None] = mapped_column(String(40))
    # Earlier answers the persona was reminded of for this reply (ids).
    memory: Mapped[list[str]] = mapped_column(JSONB, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
