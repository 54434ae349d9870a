"""Tables of the live streams: every event of every stream, and per-stage progress."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sight.kit.models import Base


class StreamEvent(Base):
    """One event of a stream (a job's, or a resource's such as a focus group's).

    The bigint id is the SSE event id. Streams of deleted resources are removed
    by their domain (`streams.delete_stream`); a job's by a trigger on `jobs`.
    """

    __tablename__ = "stream_events"
    __table_args__ = (Index(None, "stream_kind", "stream_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    stream_kind: Mapped[str] = mapped_column(String(40), nullable=False)
    stream_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    type: Mapped[str] = mapped_column(String(50), nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class StreamProgress(Base):
    """The highest `done` reported per stream and stage: progress never goes back."""

    __tablename__ = "stream_progress"

    stream_kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    stream_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    stage: Mapped[str] = mapped_column(String(60), primary_key=True)
    done: Mapped[int] = mapped_column(Integer, nullable=False)
    total: Mapped[int] = mapped_column(Integer, nullable=False)
