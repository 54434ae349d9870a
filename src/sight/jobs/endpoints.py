from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlalchemy import select

from sight import streams
from sight.deps import CurrentUser, DbSession, State
from sight.jobs import service
from sight.jobs.models import TERMINAL_STATUSES, Job, JobStatus
from sight.jobs.schemas import JobRead
from sight.kit.pagination import OffsetQuery
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX
from sight.kit.schemas import Page

router = domain_router(prefix=f"{API_PREFIX}/jobs", tags=["jobs"])


@router.get("", response_model=Page[JobRead])
async def list_jobs(
    user: CurrentUser,
    session: DbSession,
    project_id: uuid.UUID | None = None,
    status: Annotated[JobStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: OffsetQuery = 0,
) -> Page[JobRead]:
    """The caller's jobs and their projects' jobs, newest first."""
    rows, total = await service.list_jobs(
        session,
        user,
        project_id=project_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    return Page[JobRead](
        items=[JobRead.model_validate(j) for j in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{job_id}", response_model=JobRead)
async def get_job(job_id: uuid.UUID, user: CurrentUser, session: DbSession) -> JobRead:
    return JobRead.model_validate(await service.get_owned_job(session, job_id, user))


@router.post("/{job_id}/cancel", response_model=JobRead)
async def cancel_job(
    job_id: uuid.UUID, user: CurrentUser, state: State, session: DbSession
) -> JobRead:
    job = await service.get_owned_job(session, job_id, user, "write")
    return JobRead.model_validate(
        await service.cancel_job(session, state.queue_app, job)
    )


async def owned_job_id(
    job_id: uuid.UUID, user: CurrentUser, session: DbSession
) -> uuid.UUID:
    # A dependency, so a foreign or missing job is a 404 before the stream starts.
    await service.get_owned_job(session, job_id, user)
    return job_id


@router.get(
    "/{job_id}/events",
    response_class=EventSourceResponse,
    responses=streams.stream_openapi(
        streams.JobStreamEvent,
        "Server-sent events; each `data` is one of the declared job events",
    ),
)
async def job_events(
    job_id: Annotated[uuid.UUID, Depends(owned_job_id)],
    state: State,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[
        int | None,
        Query(ge=0, le=streams.MAX_EVENT_ID, description="Replay events after this id"),
    ] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Live events of a job (types: `sight.streams.JobStreamEvent`).

    Reconnect with the `Last-Event-ID` header (browsers do this by themselves)
    or `?after=<id>` to receive exactly the events missed.
    """
    # The request's session (function-scoped) is committed and closed before
    # streaming starts: a stream may stay open for hours and must not pin a
    # pooled connection. The stream reads with short sessions of its own.

    async def finished() -> bool:
        async with state.sessionmaker() as s:
            status = await s.scalar(select(Job.status).where(Job.id == job_id))
        return status in TERMINAL_STATUSES

    async for event in streams.sse_events(
        state,
        streams.StreamKey.job(job_id),
        last_event_id=last_event_id,
        after=after,
        finished=finished,
    ):
        yield event
