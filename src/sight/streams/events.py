"""Declared event types shared by every stream, and the job stream's union.

Every event sent on an SSE stream is one of these pydantic models: the SSE
`event:` field is its `type`, and `data` is the model as JSON (including `type`),
so clients switch on a declared discriminator instead of parsing strings. A
domain's resource stream declares its own union in its `events.py`, reusing the
terminal and progress events below.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class StreamEventModel(BaseModel):
    """Base of every stream event; `type` is the discriminator."""

    model_config = ConfigDict(extra="forbid")


class StatusEvent(StreamEventModel):
    """A job's status changed."""

    type: Literal["status"] = "status"
    status: str
    attempt: int = 0
    retry_in_seconds: float | None = None
    error: str | None = None


class ProgressEvent(StreamEventModel):
    """How far a stage got. `done` never decreases within a stream and stage
    (the store clamps late, out-of-order reports), and ends at `total`."""

    type: Literal["progress"] = "progress"
    stage: str = Field(
        default="",
        description="What is being counted, e.g. 'briefs' or 'personas'",
        max_length=60,
    )
    done: int = Field(ge=0)
    total: int = Field(ge=0)
    fraction: float = Field(default=0.0, ge=0.0, le=1.0)
    message: str | None = None


class LogEvent(StreamEventModel):
    """A human-readable line."""

    type: Literal["log"] = "log"
    message: str


class ItemEvent(StreamEventModel):
    """A job produced, or failed to produce, one item (a persona, a document).

    `stage` says what happened to it; the remaining fields depend on the job
    kind (documented with the kind) and are passed through as they are.
    """

    model_config = ConfigDict(extra="allow")

    type: Literal["item"] = "item"
    stage: str


class CompletedEvent(StreamEventModel):
    """Terminal: the work ended well; the stream closes after it."""

    model_config = ConfigDict(extra="allow")

    type: Literal["completed"] = "completed"
    result: dict[str, Any] | None = None


class FailedEvent(StreamEventModel):
    """Terminal: the work failed; `error` says why in words for the user."""

    model_config = ConfigDict(extra="allow")

    type: Literal["failed"] = "failed"
    error: str = ""


class CancelledEvent(StreamEventModel):
    """Terminal: the work was cancelled; what was done is kept."""

    model_config = ConfigDict(extra="allow")

    type: Literal["cancelled"] = "cancelled"
    reason: str = ""


class HeartbeatEvent(StreamEventModel):
    """Nothing new; the connection is alive. Not stored, has no id."""

    type: Literal["heartbeat"] = "heartbeat"
    at: str

    @classmethod
    def now(cls) -> HeartbeatEvent:
        return cls(at=datetime.now(UTC).isoformat())


class StreamErrorEvent(StreamEventModel):
    """The stream itself failed (not the work). Not stored, has no id."""

    type: Literal["error"] = "error"
    detail: str


TERMINAL_EVENT_TYPES = frozenset({"completed", "failed", "cancelled"})

JobStreamEvent = Annotated[
    StatusEvent
    | ProgressEvent
    | LogEvent
    | ItemEvent
    | CompletedEvent
    | FailedEvent
    | CancelledEvent
    | HeartbeatEvent
    | StreamErrorEvent,
    Field(discriminator="type"),
]


def event_data(event: BaseModel) -> dict[str, Any]:
    data: dict[str, Any] = event.model_dump(mode="json")
    return data
