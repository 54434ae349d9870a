"""Routes of notifications: the list, read/done marks, preferences and the
user's live stream. A notification belongs to one user; anyone else gets 404."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Header, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlalchemy import func, select

from sight import streams
from sight.deps import CurrentUser, DbSession, State
from sight.kit.pagination import OffsetQuery
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX
from sight.llm.budget import user_limit
from sight.notifications import service
from sight.notifications.events import NotificationStreamEvent, user_stream
from sight.notifications.models import NotificationPreference
from sight.notifications.schemas import (
    NotificationList,
    NotificationPreferences,
    NotificationPreferencesUpdate,
    NotificationRead,
)
from sight.streams import HeartbeatEvent
from sight.streams.models import StreamEvent

router = domain_router(prefix=API_PREFIX, tags=["notifications"])


@router.get("/notifications", response_model=NotificationList)
async def list_notifications(
    user: CurrentUser,
    session: DbSession,
    unread_only: bool = False,
    include_done: Annotated[
        bool, Query(description="Also items marked done (hidden by default)")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: OffsetQuery = 0,
) -> NotificationList:
    """The caller's notifications, newest first, with the unread count."""
    rows, total = await service.list_notifications(
        session,
        user.id,
        unread_only=unread_only,
        include_done=include_done,
        limit=limit,
        offset=offset,
    )
    return NotificationList(
        items=[service.to_read(r) for r in rows],
        total=total,
        unread=await service.unread_count(session, user.id),
        limit=limit,
        offset=offset,
    )


async def _preferences_read(
    state: State, session: DbSession, row: NotificationPreference
) -> NotificationPreferences:
    budget = await user_limit(
        session, state.llm.policies, state.settings.llm, row.user_id
    )
    return NotificationPreferences(
        job_succeeded=row.job_succeeded,
        job_failed=row.job_failed,
        budget=row.budget,
        project_shared=row.project_shared,
        warning_threshold=row.warning_threshold,
        critical_threshold=row.critical_threshold,
        monthly_budget_usd=budget,
    )


@router.get("/notifications/preferences", response_model=NotificationPreferences)
async def get_preferences(
    user: CurrentUser, session: DbSession, state: State
) -> NotificationPreferences:
    row = await service.preferences(session, user.id)
    return await _preferences_read(state, session, row)


@router.put("/notifications/preferences", response_model=NotificationPreferences)
async def put_preferences(
    change: NotificationPreferencesUpdate,
    user: CurrentUser,
    session: DbSession,
    state: State,
) -> NotificationPreferences:
    """Switch kinds on or off and move the spend thresholds (shares of the
    monthly budget, warning below critical)."""
    row = await service.update_preferences(session, user.id, change)
    return await _preferences_read(state, session, row)


@router.post("/notifications/read-all")
async def read_all(user: CurrentUser, session: DbSession) -> dict[str, int]:
    return {"marked": await service.mark_all_read(session, user.id)}


@router.post("/notifications/{notification_id}/read", response_model=NotificationRead)
async def mark_read(
    notification_id: uuid.UUID, user: CurrentUser, session: DbSession
) -> NotificationRead:
    row = await service.mark(session, user.id, notification_id, done=False)
    return service.to_read(row)


@router.post("/notifications/{notification_id}/done", response_model=NotificationRead)
async def mark_done(
    notification_id: uuid.UUID, user: CurrentUser, session: DbSession
) -> NotificationRead:
    """Done: dealt with; it leaves the default list (and counts as read)."""
    row = await service.mark(session, user.id, notification_id, done=True)
    return service.to_read(row)


@router.get(
    "/notifications/events",
    response_class=EventSourceResponse,
    responses=streams.stream_openapi(
        NotificationStreamEvent,
        "Server-sent events; each `data` is one of the declared notification events",
    ),
)
async def notification_events(
    user: CurrentUser,
    state: State,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[
        int | None,
        Query(ge=0, le=streams.MAX_EVENT_ID, description="Replay events after this id"),
    ] = None,
) -> AsyncIterator[ServerSentEvent]:
    """The caller's notifications as they happen (`NotificationStreamEvent`).
    Without `Last-Event-ID` / `after` it starts from now; it never ends."""
    key = user_stream(user.id)
    if after is None and streams.parse_event_id(last_event_id) == 0:
        async with state.sessionmaker() as session:
            newest = await session.scalar(
                select(func.max(StreamEvent.id)).where(
                    StreamEvent.stream_kind == key.kind,
                    StreamEvent.stream_id == key.id,
                )
            )
        after = int(newest or 0)

    async def finished() -> bool:
        return False

    # At once, so the web app can show the stream as live before anything happens.
    yield ServerSentEvent(event="heartbeat", data=HeartbeatEvent.now().model_dump())
    async for event in streams.sse_events(
        state, key, last_event_id=last_event_id, after=after, finished=finished
    ):
        yield event
