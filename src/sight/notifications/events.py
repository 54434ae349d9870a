"""A user's notification stream (`GET /notifications/events`): its events.

- `notification`        a new notification for this user (the whole item)
- `notification_state`  an item was marked read or done (from any tab or
                        device), with the unread count after the change
- `heartbeat`, `error`  as on every stream

The stream never ends by itself. Connecting without `Last-Event-ID` (or
`after`) starts from now: the list endpoint gives what came before.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field

from sight.notifications.schemas import NotificationRead
from sight.streams import (
    HeartbeatEvent,
    StreamErrorEvent,
    StreamEventModel,
    StreamKey,
)

STREAM_KIND = "notifications"


def user_stream(user_id: uuid.UUID) -> StreamKey:
    return StreamKey(STREAM_KIND, user_id)


class NotificationCreated(StreamEventModel):
    type: Literal["notification"] = "notification"
    notification: NotificationRead
    unread: int


class NotificationStateChanged(StreamEventModel):
    type: Literal["notification_state"] = "notification_state"
    id: uuid.UUID
    is_read: bool
    is_done: bool
    unread: int


NotificationStreamEvent = Annotated[
    NotificationCreated | NotificationStateChanged | HeartbeatEvent | StreamErrorEvent,
    Field(discriminator="type"),
]
