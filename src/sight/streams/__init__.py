"""Typed live streams of jobs and resources (see `store`, `live` and `events`)."""

from sight.streams.events import (
    TERMINAL_EVENT_TYPES,
    CancelledEvent,
    CompletedEvent,
    FailedEvent,
    HeartbeatEvent,
    ItemEvent,
    JobStreamEvent,
    LogEvent,
    ProgressEvent,
    StatusEvent,
    StreamErrorEvent,
    StreamEventModel,
)
from sight.streams.live import (
    MAX_EVENT_ID,
    EventBroadcaster,
    add_stream_schemas,
    parse_event_id,
    sse_events,
    stored_events,
    stream_openapi,
    validate_event,
)
from sight.streams.store import StreamKey, delete_stream, events_after, publish

__all__ = [
    "MAX_EVENT_ID",
    "TERMINAL_EVENT_TYPES",
    "CancelledEvent",
    "CompletedEvent",
    "EventBroadcaster",
    "FailedEvent",
    "HeartbeatEvent",
    "ItemEvent",
    "JobStreamEvent",
    "LogEvent",
    "ProgressEvent",
    "StatusEvent",
    "StreamErrorEvent",
    "StreamEventModel",
    "StreamKey",
    "add_stream_schemas",
    "delete_stream",
    "events_after",
    "parse_event_id",
    "publish",
    "sse_events",
    "stored_events",
    "stream_openapi",
    "validate_event",
]
