"""Focus group routes (the original product's shape, extended) and interviews.

Each route authorises through a dependency (`ProjectReader`/`ProjectWriter`
for project routes, `GroupReader`/`GroupWriter`, `InterviewedPersona`), calls
one service function and returns a schema.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Header, Query, Response, status
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlalchemy import select

from sight import streams
from sight.deps import CurrentUser, DbSession, State
from sight.focus_groups import interview, repository, service
from sight.focus_groups.dependencies import GroupReader, GroupWriter, InterviewedPersona
from sight.focus_groups.events import FocusGroupEvent, InterviewEvent, InterviewMessage
from sight.focus_groups.models import ACTIVE_STATUSES, FocusGroup
from sight.focus_groups.schemas import (
    ChatHistory,
    ChatMessageRead,
    ChatRequest,
    FocusGroupCreate,
    FocusGroupDetail,
    FocusGroupRead,
    FocusGroupUpdate,
    RunAccepted,
    Transcript,
)
from sight.kit.errors import NotFound
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX
from sight.kit.schemas import Page
from sight.llm.types import CallContext
from sight.personas.models import Persona
from sight.postgres import session_scope
from sight.projects.dependencies import ProjectReader, ProjectWriter
from sight.streams import StreamErrorEvent

router = domain_router(prefix=API_PREFIX, tags=["focus-groups"])


def _events_url(group_id: uuid.UUID) -> str:
    return f"{API_PREFIX}/focus-groups/{group_id}/events"


@router.post(
    "/projects/{project_id}/focus-groups",
    status_code=status.HTTP_201_CREATED,
    response_model=FocusGroupRead,
)
async def create_focus_group(
    project: ProjectWriter,
    data: FocusGroupCreate,
    user: CurrentUser,
    session: DbSession,
    state: State,
) -> FocusGroupRead:
    """Set up a group: 2-100 of the project's personas, 1-20 questions, and
    optionally a stimulus (text, or an image for a model that can see)."""
    group = await service.create_group(session, state.llm, project, user, data)
    return FocusGroupRead.model_validate(group)


@router.get("/projects/{project_id}/focus-groups", response_model=Page[FocusGroupRead])
async def list_focus_groups(
    project: ProjectReader,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[FocusGroupRead]:
    rows, total = await repository.list_groups(
        session, project.id, limit=limit, offset=offset
    )
    return Page[FocusGroupRead](
        items=[FocusGroupRead.model_validate(g) for g in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/focus-groups/{focus_group_id}", response_model=FocusGroupDetail)
async def get_focus_group(group: GroupReader, session: DbSession) -> FocusGroupDetail:
    """The group with its status, timings and every answer's latency."""
    timings = await service.timings(session, group)
    return FocusGroupDetail.model_validate(
        {
            **FocusGroupRead.model_validate(group).model_dump(),
            "events_url": _events_url(group.id),
            "timings": timings,
        }
    )


@router.put("/focus-groups/{focus_group_id}", response_model=FocusGroupRead)
async def update_focus_group(
    group: GroupWriter,
    data: FocusGroupUpdate,
    user: CurrentUser,
    session: DbSession,
    state: State,
) -> FocusGroupRead:
    """Edit a group that has never run (409 once it has)."""
    from sight.projects.access import authorize_project

    project = await authorize_project(session, user, group.project_id, "write")
    return FocusGroupRead.model_validate(
        await service.update_group(session, state.llm, project, user, group, data)
    )


@router.delete("/focus-groups/{focus_group_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_focus_group(
    group: GroupWriter, state: State, session: DbSession
) -> Response:
    """Delete the group and its transcript (a running group is cancelled)."""
    await service.delete_group(session, state.queue_app, group)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/focus-groups/{focus_group_id}/stimulus-image",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}}}},
)
async def focus_group_stimulus_image(
    group: GroupReader, session: DbSession
) -> Response:
    """The picture the group is shown (404 when its stimulus is not an image)."""
    image = await repository.stimulus_image(session, group.id)
    described = (group.stimulus or {}).get("image")
    if image is None or not described:
        raise NotFound("stimulus image of focus group", group.id)
    return Response(
        content=image,
        # The type Pillow read from the bytes at upload, never the client's.
        media_type=described["mime_type"],
        headers={
            "Cache-Control": "private, max-age=3600",
            "Content-Disposition": "inline",
            "ETag": f'"{described["sha256"]}"',
        },
    )


@router.get("/focus-groups/{focus_group_id}/estimate", response_model=dict[str, Any])
async def estimate_focus_group(
    group: GroupReader, user: CurrentUser, state: State
) -> dict[str, Any]:
    """Expected model calls, tokens and USD of running the group."""
    ctx = CallContext(user_id=user.id, project_id=group.project_id)
    return await service.estimate(state.llm, ctx, group)


@router.post(
    "/focus-groups/{focus_group_id}/run",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RunAccepted,
)
async def run_focus_group(
    group: GroupWriter, user: CurrentUser, state: State, session: DbSession
) -> RunAccepted:
    """Start the discussion (a job). Follow it live at `events_url`; 402 when
    the estimate would cross a budget, 409 when it is running or has run."""
    job, cost = await service.start_run(
        session, state.queue_app, state.llm, group, user
    )
    return RunAccepted(
        focus_group_id=group.id,
        job_id=job.id,
        status=group.status,
        wave_size=group.wave_size,
        status_url=f"{API_PREFIX}/focus-groups/{group.id}",
        events_url=_events_url(group.id),
        job_events_url=f"{API_PREFIX}/jobs/{job.id}/events",
        estimate=cost,
    )


@router.post("/focus-groups/{focus_group_id}/cancel", response_model=FocusGroupRead)
async def cancel_focus_group(
    group: GroupWriter, state: State, session: DbSession
) -> FocusGroupRead:
    """Stop the run; what was said is kept."""
    return FocusGroupRead.model_validate(
        await service.cancel_run(session, state.queue_app, group)
    )


@router.get("/focus-groups/{focus_group_id}/responses", response_model=Transcript)
async def focus_group_responses(group: GroupReader, session: DbSession) -> Transcript:
    """The transcript grouped by question, in speaking order."""
    return await service.transcript(session, group)


@router.get(
    "/focus-groups/{focus_group_id}/events",
    response_class=EventSourceResponse,
    responses=streams.stream_openapi(
        FocusGroupEvent,
        "Server-sent events; each `data` is one of the declared focus group events",
    ),
)
async def focus_group_events(
    group: GroupReader,
    state: State,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[
        int | None,
        Query(ge=0, le=streams.MAX_EVENT_ID, description="Replay events after this id"),
    ] = None,
) -> AsyncIterator[ServerSentEvent]:
    """The live room: who speaks, their words as they come, probes, progress.

    Reconnect with `Last-Event-ID` (or `?after=`) to get exactly what was missed.
    """
    group_id = group.id

    async def finished() -> bool:
        async with state.sessionmaker() as s:
            current = await s.scalar(
                select(FocusGroup.status).where(FocusGroup.id == group_id)
            )
        return current is None or (
            current not in ACTIVE_STATUSES and current != "pending"
        )

    async for event in streams.sse_events(
        state,
        service.stream_key(group_id),
        last_event_id=last_event_id,
        after=after,
        finished=finished,
    ):
        yield event


@router.post(
    "/personas/{persona_id}/chat",
    response_class=EventSourceResponse,
    responses=streams.stream_openapi(
        InterviewEvent,
        "Server-sent events: the stored message, the reply word by word, the "
        "stored reply",
    ),
)
async def chat_with_persona(
    persona: InterviewedPersona,
    data: ChatRequest,
    user: CurrentUser,
    state: State,
) -> AsyncIterator[ServerSentEvent]:
    """Interview a participant: its answer streams, consistent with what it
    said in the project's focus groups; both messages are stored."""
    # The request's session is closed once streaming starts: the message is
    # stored (and committed) with a short session of its own.
    persona_id, user_id = persona.id, user.id
    async with session_scope(state.sessionmaker) as session:
        interviewed = await session.get(Persona, persona_id)
        if interviewed is None:  # deleted a moment ago
            yield _sse(StreamErrorEvent(detail=f"persona {persona_id} not found"))
            return
        question = await interview.add_question(
            session, interviewed, user_id, data.message
        )
        stored = ChatMessageRead.model_validate(question)
        session.expunge(interviewed)
    yield _sse(InterviewMessage(message=stored))
    async for event in interview.answer(
        state.sessionmaker, state.llm, interviewed, user_id, data.message
    ):
        yield _sse(event)


def _sse(event: Any) -> ServerSentEvent:
    return ServerSentEvent(event=event.type, data=event.model_dump(mode="json"))


@router.get("/personas/{persona_id}/chat", response_model=ChatHistory)
async def chat_history(
    persona: InterviewedPersona, user: CurrentUser, session: DbSession
) -> ChatHistory:
    """Your conversation with this persona, oldest first."""
    rows = await repository.chat_history(session, persona.id, user.id)
    return ChatHistory(
        persona_id=persona.id,
        messages=[ChatMessageRead.model_validate(r) for r in rows],
    )
