"""Creating, reading and cancelling jobs. Services never commit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import procrastinate
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sight.jobs import events
from sight.jobs.models import TERMINAL_STATUSES, Job, JobStatus
from sight.jobs.queue import QUEUE, RUN_JOB_TASK
from sight.kit.errors import Conflict, NotFound
from sight.kit.pagination import paginate


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
    user_id: uuid.UUID,
    *,
    project_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Job], int]:
    conditions = [Job.user_id == user_id]
    if project_id is not None:
        conditions.append(Job.project_id == project_id)
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
    session: AsyncSession, job_id: uuid.UUID, user_id: uuid.UUID
) -> Job:
    job = await session.scalar(
        select(Job).where(Job.id == job_id, Job.user_id == user_id)
    )
    if job is None:
        # Someone else's job is reported exactly like a missing one.
        raise NotFound("job", job_id)
    return job


async def cancel_job(
    session: AsyncSession, queue_app: procrastinate.App, job: Job
) -> Job:
    if job.status in TERMINAL_STATUSES:
        raise Conflict(f"job {job.id} already {job.status}; nothing to cancel")
    job.cancel_requested = True
    if job.status == JobStatus.queued:
        if job.queue_job_id is not None:
            await queue_app.job_manager.cancel_job_by_id_async(job.queue_job_id)
        job.status = JobStatus.cancelled
        job.finished_at = datetime.now(UTC)
        await events.publish(
            session, job.id, "cancelled", {"reason": "cancelled by user"}
        )
    else:
        # A running handler sees the flag at its next check and stops cleanly,
        # keeping what it already produced.
        await events.publish(
            session, job.id, "log", {"message": "cancellation requested"}
        )
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
