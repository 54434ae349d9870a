from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sight.kit.models import Base, IdMixin, TimestampMixin


class Project(IdMixin, TimestampMixin, Base):
    __tablename__ = "projects"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
    )
    # Shared with this team (its members' roles decide their rights); deleting
    # the team leaves the project to its owner alone.
    team_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    research_goal: Mapped[str] = mapped_column(Text, nullable=False, default="")
    language: Mapped[str] = mapped_column(String(2), nullable=False, default="pl")
    country: Mapped[str] = mapped_column(String(2), nullable=False, default="pl")
    target_sample_size: Mapped[int] = mapped_column(Integer, nullable=False, default=20)
    # As the researcher sent it (the original product's shape), for display.
    target_demographics: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict
    )
    # Canonical keys, every dimension (census fallback filled in): what sampling uses.
    target_distribution: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict
    )
    # Goodness of fit of the generated personas (set by persona generation).
    fit_report: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Optional LLM spend cap for this project (USD per calendar month).
    budget_usd: Mapped[float | None] = mapped_column(Numeric(12, 4))
    # Per-project model routing overrides: {flow: {provider, model, ...}}.
    llm_overrides: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict
    )
