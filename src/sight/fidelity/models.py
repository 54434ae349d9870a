"""Fidelity runs, their synthetic answers, and researchers' uploaded studies.

Uploaded studies hold aggregates only: per-column value counts and pairwise
counts until the researcher maps the columns, then only the mapped
per-group distributions. No respondent-level row is ever stored.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
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


class RunStatus:
    queued = "queued"
    running = "running"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"


class FidelityStudy(IdMixin, TimestampMixin, Base):
    __tablename__ = "fidelity_studies"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True, nullable=False
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    filename: Mapped[str] = mapped_column(String(300), nullable=False)
    country: Mapped[str] = mapped_column(String(8), nullable=False)
    # "distributions" (one row per question x option x group) or "respondents".
    layout: Mapped[str] = mapped_column(String(20), nullable=False)
    # needs_mapping | ready
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Detected columns: name, kind, distinct values with counts (aggregates).
    columns: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    # Aggregates kept until mapping (pairwise counts or the distribution rows);
    # emptied when the mapping is applied.
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    mapping: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # The mapped study in the benchmark shape (questions, groups, specs).
    benchmark: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class FidelityRun(IdMixin, TimestampMixin, Base):
    __tablename__ = "fidelity_runs"

    # None for runs started from the command line.
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL")
    )
    study_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("fidelity_studies.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    benchmark: Mapped[str] = mapped_column(String(200), nullable=False)
    country: Mapped[str] = mapped_column(String(8), nullable=False, index=True)
    # per_group, seed, questions, groups, volunteered
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    provider: Mapped[str] = mapped_column(String(40), nullable=False)
    model: Mapped[str] = mapped_column(String(120), nullable=False, index=True)
    prompt_version: Mapped[str] = mapped_column(String(40), nullable=False)
    offline: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    calls: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    score: Mapped[float | None] = mapped_column(Float)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FidelityResponse(IdMixin, Base):
    """One synthetic respondent's answers (option index per question)."""

    __tablename__ = "fidelity_responses"
    __table_args__ = (
        UniqueConstraint(
            "run_id", "respondent", name="uq_fidelity_responses_respondent"
        ),
    )

    run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("fidelity_runs.id", ondelete="CASCADE"), index=True, nullable=False
    )
    respondent: Mapped[str] = mapped_column(String(120), nullable=False)
    group_id: Mapped[str] = mapped_column(String(120), nullable=False)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    generated_by: Mapped[str] = mapped_column(String(160), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
