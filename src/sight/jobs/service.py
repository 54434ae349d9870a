"""Creating, reading and cancelling jobs. Services never commit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from sight.jobs import events
from sight.jobs.models import TERMINAL_STATUSES, Job, JobStatus
from sight.jobs.queue import QUEUE, RUN_JOB_TASK
from sight.kit.errors import Conflict, NotFound
from sight.kit.pagination import paginate

if TYPE_CHECKING:
    import procrastinate

    from sight.auth.models import User
    from sight.projects.access import Need


async def create_job(
    session: AsyncSession,
    queue_app: procrastinate.App,
    *,
    user_id: uuid.UUID,
    kind: str,
    params: dict[str, Any] | None = None,
    project_id: uuid.UUID | None = None,
) -> Job:
    """Store a job and enqueue it in the SAME transaction: either both exist after
    commit or neither does, so a worker never sees a queue entry without its job."""
    job = Job(
        user_id=user_id,
        project_id=project_id,
        kind=kind,
        params=params or {},
        status=JobStatus.queued,
        checkpoint={},
    )
    session.add(job)
    await session.flush()
    await events.publish(session, job.id, "status", {"status": "queued", "attempt": 0})
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    job.queue_job_id = await queue_app.configure_task(
        RUN_JOB_TASK, queue=QUEUE, connection=raw.driver_connection
    ).defer_async(job_id=str(job.id))
    return job


async def list_jobs(
    session: AsyncSession,
    user: User,
    *,
    project_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Job], int]:
    """The caller's own jobs and those of the projects they may read; with
    `project_id`, that project's jobs (404 if the caller may not read it)."""
    from sight.projects.access import authorize_project, visible_projects
    from sight.projects.models import Project

    conditions: list[ColumnElement[bool]]
    if project_id is not None:
        await authorize_project(session, user, project_id, "read")
        conditions = [Job.project_id == project_id]
    else:
        conditions = [
            or_(
                Job.user_id == user.id,
                Job.project_id.in_(select(Project.id).where(visible_projects(user))),
            )
        ]
    if status is not None:
        conditions.append(Job.status == status)
    return await paginate(
        session,
        Job,
        *conditions,
        order_by=[Job.created_at.desc()],
        limit=limit,
        offset=offset,
    )


async def get_owned_job(
    session: AsyncSession, job_id: uuid.UUID, user: User, need: Need = "read"
) -> Job:
    """A job the caller may `need`: a project's job follows the project's access
    (the one policy, `sight.projects.access`); a job outside any project is its
    starter's alone. Anything else is reported exactly like a missing job."""
    from sight.projects.access import authorize_project

    job = await session.get(Job, job_id)
    if job is None:
        raise NotFound("job", job_id)
    if job.project_id is None:
        if job.user_id != user.id:
            raise NotFound("job", job_id)
        return job
    try:
        await authorize_project(session, user, job.project_id, need)
    except NotFound:
        raise NotFound("job", job_id) from None
    return job


async def cancel_job(
    session: AsyncSession, queue_app: procrastinate.App, job: Job
) -> Job:
    if job.status in TERMINAL_STATUSES:
        raise Conflict(f"job {job.id} already {job.status}; nothing to cancel")
    # The event first, the job row after: a running job reports progress in
    # that order (stream lock, then its row), and the opposite order here
    # deadlocked with it. no_autoflush keeps the row's UPDATE from being
    # flushed by the event's own statements.
    with session.no_autoflush:
        if job.status == JobStatus.queued:
            if job.queue_job_id is not None:
                # On the session's connection, like the enqueue: in the same
                # transaction as the job's row, and no queue pool needed.
                connection = await session.connection()
                raw = await connection.get_raw_connection()
                await queue_app.job_manager.cancel_job_by_id_async(
                    job.queue_job_id, connection=raw.driver_connection
                )
            await events.publish(
                session, job.id, "cancelled", {"reason": "cancelled by user"}
            )
            job.status = JobStatus.cancelled
            job.finished_at = datetime.now(UTC)
        else:
            # A running handler sees the flag at its next check and stops
            # cleanly, keeping what it already produced.
            await events.publish(
                session, job.id, "log", {"message": "cancellation requested"}
            )
        job.cancel_requested = True
    await session.flush()
    await session.refresh(job)  # the server-side updated_at
    return job


async def update_queue_depth(state: Any, metrics: Any) -> None:
    """Refresh the queue-depth gauge (called when /metrics is scraped)."""
    async with state.sessionmaker() as session:
        rows = await session.execute(
            select(Job.status, func.count())
            .where(Job.status.in_([JobStatus.queued, JobStatus.running]))
            .group_by(Job.status)
        )
        counts = {status: count for status, count in rows.all()}
    for status in (JobStatus.queued, JobStatus.running):
        metrics.jobs_queue_depth.labels(str(status)).set(counts.get(status, 0))
