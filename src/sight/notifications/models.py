"""Tables of notifications: the notifications, each user's preferences, and the
spend alerts already sent (one per threshold per user per month)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sight.kit.models import Base, IdMixin


class Notification(IdMixin, Base):
    __tablename__ = "notifications"
    __table_args__ = (Index(None, "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    # job_succeeded | job_failed | budget_warning | budget_critical |
    # project_shared
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    priority: Mapped[str] = mapped_column(String(10), nullable=False)
    # English words for API clients; the web app words it from `kind` + `data`.
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    action_label: Mapped[str | None] = mapped_column(String(100))
    action_url: Mapped[str | None] = mapped_column(String(500))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class NotificationPreference(Base):
    """A user's switches per kind and spend thresholds; no row = the defaults."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    job_succeeded: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    job_failed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    budget: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    project_shared: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Shares of the user's monthly budget (0.8 = 80 %).
    warning_threshold: Mapped[float] = mapped_column(Float, nullable=False, default=0.8)
    critical_threshold: Mapped[float] = mapped_column(
        Float, nullable=False, default=0.9
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        server_default=func.now(),
        onupdate=func.now(),
        nullable=False,
    )


class SpendAlert(Base):
    """A spend threshold already announced this month (never twice)."""

    __tablename__ = "notification_spend_alerts"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
