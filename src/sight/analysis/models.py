"""Tables of focus-group analysis.

`AnalysisAnnotation`: sentiment and themes of one answer (unique per answer,
so a resumed job annotates only what is missing). `AnalysisResult`: the
computed reports of a group, one row per kind (`summary`, `sentiment`,
`themes`, `concept_graph`), stored whole as the API returns them, because
every GET must answer without looping over the answers again.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sight.focus_groups import models as _focus_groups  # noqa: F401 (FK targets)
from sight.kit.models import Base, IdMixin, TimestampMixin


class ResultKind(StrEnum):
    summary = "summary"
    sentiment = "sentiment"
    themes = "themes"
    concept_graph = "concept_graph"


class AnalysisAnnotation(IdMixin, TimestampMixin, Base):
    __tablename__ = "analysis_annotations"

    focus_group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("focus_groups.id", ondelete="CASCADE"), index=True, nullable=False
    )
    response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("focus_group_responses.id", ondelete="CASCADE"),
        unique=True,
        nullable=False,
    )
    persona_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    question_index: Mapped[int] = mapped_column(Integer, nullable=False)
    sentiment: Mapped[str] = mapped_column(String(10), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    confidence: Mapped[float] = mapped_column(Float, nullable=False)
    themes: Mapped[list[str]] = mapped_column(JSONB, nullable=False, default=list)
    concepts: Mapped[list[str]] = mapped_column(JSONB, nullable=False, default=list)
    # "local:embedding-anchors+lexicon (use-multilingual-v3)" or "llm:<provider:model>"
    method: Mapped[str] = mapped_column(String(200), nullable=False)


class AnalysisResult(IdMixin, TimestampMixin, Base):
    __tablename__ = "analysis_results"
    __table_args__ = (
        UniqueConstraint("focus_group_id", "kind", name="uq_analysis_results_kind"),
    )

    focus_group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("focus_groups.id", ondelete="CASCADE"), nullable=False
    )
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True, nullable=False
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    content: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    # offline-engine | provider:model | the local method's name
    generated_by: Mapped[str] = mapped_column(String(200), nullable=False)
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL")
    )
