from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sight.kit.models import Base, IdMixin


class Persona(IdMixin, Base):
    __tablename__ = "personas"
    # One persona per planned slot of a generation job: a retried or resumed job
    # can never store the same slot twice.
    __table_args__ = (UniqueConstraint("job_id", "slot", name="uq_personas_job_slot"),)

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True, nullable=False
    )
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), index=True
    )
    slot: Mapped[int] = mapped_column(Integer, nullable=False)
    # Demographic cell (canonical category keys) and concrete values within it.
    age: Mapped[int] = mapped_column(Integer, nullable=False)
    age_group: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    gender: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    location: Mapped[str] = mapped_column(String(60), nullable=False)
    urban_rural: Mapped[str] = mapped_column(String(20), nullable=False)
    education: Mapped[str] = mapped_column(String(60), nullable=False)
    income_band: Mapped[str] = mapped_column(String(60), nullable=False)
    income: Mapped[int] = mapped_column(Integer, nullable=False)
    income_currency: Mapped[str] = mapped_column(String(3), nullable=False)
    # The enriched profile (EnrichedPersona), in the project's language.
    full_name: Mapped[str] = mapped_column(String(120), nullable=False)
    occupation: Mapped[str] = mapped_column(String(200), nullable=False)
    profile: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    segment: Mapped[str] = mapped_column(String(200), nullable=False)
    # Provenance: who wrote it (offline-engine or provider:model), which prompt,
    # which documents the segment brief cited, what validation found and fixed.
    generated_by: Mapped[str] = mapped_column(String(160), nullable=False)
    prompt_version: Mapped[str] = mapped_column(String(40), nullable=False)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, default=list
    )
    validation: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict
    )
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class SegmentBrief(Base):
    """A segment brief cached in PostgreSQL (used when Redis is not configured)."""

    __tablename__ = "segment_briefs"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True, nullable=False
    )
    brief: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
