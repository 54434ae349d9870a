"""Tables of the dashboard: KPI snapshots (used when Redis is not configured)
and the adopted mark on insights."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.orm import Mapped, mapped_column

from sight.analysis import models as _analysis  # noqa: F401 (FK targets)
from sight.kit.models import Base


class KpiSnapshot(Base):
    """A user's dashboard as last computed. Without Redis this table is the
    cache: a row past `expires_at` is a miss, and invalidation deletes it."""

    __tablename__ = "dashboard_snapshots"
    __table_args__ = (Index(None, "project_ids", postgresql_using="gin"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False
    )
    expires_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, index=True
    )
    # The projects it covers: a study finishing in one drops this snapshot.
    project_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(PG_UUID(as_uuid=True)), nullable=False, default=list
    )
    # When the user last asked for a fresh one (the scheduled refresh keeps
    # the snapshots of users who look at their dashboard).
    read_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, index=True
    )


class InsightMark(Base):
    """An insight of a focus group's summary that the team adopted (acts on).

    Insights live inside the stored summary; a mark names one by its group and
    a key of its title, so a regenerated summary with other insights does not
    inherit marks that no longer apply."""

    __tablename__ = "insight_marks"

    focus_group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("focus_groups.id", ondelete="CASCADE"), primary_key=True
    )
    insight_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True, nullable=False
    )
    insight_index: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    adopted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    adopted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
