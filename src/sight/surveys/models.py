from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sight.kit.models import Base, IdMixin, TimestampMixin


class SurveyStatus:
    draft = "draft"
    running = "running"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"


class Survey(IdMixin, TimestampMixin, Base):
    __tablename__ = "surveys"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True, nullable=False
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Stored questions (ids assigned, camelCase as in the API).
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    respondents: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=SurveyStatus.draft
    )
    # The latest run.
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL")
    )
    target: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Statistics computed by the job (off the event loop) and stored.
    results: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    results_answered: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    prompt_version: Mapped[str] = mapped_column(String(40), nullable=False)


class SurveyResponse(IdMixin, Base):
    """One respondent's answers to the whole questionnaire."""

    __tablename__ = "survey_responses"
    # A resumed or retried run can never answer for the same persona twice.
    __table_args__ = (
        UniqueConstraint("survey_id", "persona_id", name="uq_survey_responses_persona"),
    )

    survey_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), index=True, nullable=False
    )
    persona_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("personas.id", ondelete="CASCADE"), index=True, nullable=False
    )
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL")
    )
    persona_name: Mapped[str] = mapped_column(String(120), nullable=False)
    # The persona's demographic cell when it answered (stable for exports).
    demographics: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    # Validated answers by question id (None: skipped or unusable).
    answers: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    # Per question: option order shown, two-pass text and mapping, repairs, errors.
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    # The model's raw text (and any repair calls' text): what was parsed.
    raw_output: Mapped[str] = mapped_column(Text, nullable=False)
    generated_by: Mapped[str] = mapped_column(String(160), nullable=False)
    prompt_version: Mapped[str] = mapped_column(String(40), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
