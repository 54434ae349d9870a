"""Running jobs: the procrastinate task body, the handler context and the watchdog
that re-queues jobs whose worker died.

Life of a job: `queued` → `running` → `succeeded` | `failed` | `cancelled`.
A handler that raises is retried (new attempt, backoff) up to
`settings.jobs.max_attempts`; a worker that dies mid-job stops heartbeating, and
any live worker's watchdog re-queues its job, which resumes from its checkpoint
(a worker that is only busy keeps heartbeating from a thread: heartbeat.py).
Every start counts as an attempt, however the job was re-queued: a job that
already used its attempts is failed when it comes back, not run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import cast

from sight import streams
from sight.config import Settings
from sight.jobs import events
from sight.jobs.heartbeat import LoopHeartbeat
from sight.jobs.models import TERMINAL_STATUSES, Job, JobStatus
from sight.jobs.queue import QUEUE, RUN_JOB_TASK, register_periodic
from sight.jobs.registry import finish_listeners, get_handler
from sight.kit.cancelling import stop_if_cancelled
from sight.kit.errors import SightError
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.postgres import SessionMaker, libpq_url, session_scope
from sight.streams import ProgressEvent

if TYPE_CHECKING:
    import procrastinate

logger = logging.getLogger("sight.jobs")


class JobCancelled(Exception):
    """Raised inside a handler when the user asked to cancel the job."""


@dataclass
class WorkerRuntime:
    """What a running task needs; handed to procrastinate as additional context."""

    sessionmaker: SessionMaker
    settings: Settings
    queue_app: procrastinate.App
    llm: LLMGateway
    services: dict[str, Any]


class JobContext:
    """The handler's view of its job: params, progress, events, checkpoints."""

    def __init__(self, runtime: WorkerRuntime, job: Job) -> None:
        self.runtime = runtime
        self.job_id = job.id
        self.user_id = job.user_id
        self.project_id = job.project_id
        self.kind = job.kind
        self.params: dict[str, Any] = dict(job.params)
        self.attempt = job.attempts
        self._checkpoint: dict[str, Any] = dict(job.checkpoint)

    @property
    def sessionmaker(self) -> SessionMaker:
        return self.runtime.sessionmaker

    @property
    def llm(self) -> LLMGateway:
        return self.runtime.llm

    @property
    def call_context(self) -> CallContext:
        """Who this job's model calls are for (usage, budgets, overrides)."""
        return CallContext(self.user_id, self.project_id, self.job_id)

    def service(self, name: str) -> Any:
        return self.runtime.services[name]

    async def emit(
        self,
        event: BaseModel | str,
        data: dict[str, Any] | None = None,
        *,
        session: AsyncSession | None = None,
    ) -> None:
        """Publish an event on the job's stream. Pass the session that wrote the
        item itself so the item and its event commit together."""
        if session is not None:
            await events.publish(session, self.job_id, event, data)
            return
        async with session_scope(self.sessionmaker) as own:
            await events.publish(own, self.job_id, event, data)

    async def progress(
        self,
        done: int,
        total: int,
        message: str | None = None,
        *,
        stage: str = "",
        session: AsyncSession | None = None,
    ) -> None:
        """Report how far `stage` got; late, lower counts never move it back."""
        async with contextlib.AsyncExitStack() as stack:
            if session is None:
                session = await stack.enter_async_context(
                    session_scope(self.sessionmaker)
                )
            stored = await streams.publish(
                session,
                streams.StreamKey.job(self.job_id),
                ProgressEvent(stage=stage, done=done, total=total, message=message),
            )
            await session.execute(
                update(Job)
                .where(Job.id == self.job_id)
                .values(progress=stored.fraction, progress_message=message)
            )

    def checkpoint(self, key: str, default: Any = None) -> Any:
        return self._checkpoint.get(key, default)

    async def save_checkpoint(
        self, key: str, value: Any, session: AsyncSession | None = None
    ) -> None:
        """Persist resume state. Pass the session that wrote the work itself so
        work and checkpoint commit together: a crash can then lose neither alone."""
        self._checkpoint[key] = value
        statement = (
            update(Job)
            .where(Job.id == self.job_id)
            .values(checkpoint=Job.checkpoint.op("||")(cast({key: value}, JSONB)))
        )
        if session is not None:
            await session.execute(statement)
            return
        async with session_scope(self.sessionmaker) as own:
            await own.execute(statement)

    async def check_cancelled(self) -> None:
        async with session_scope(self.sessionmaker) as session:
            requested = await session.scalar(
                select(Job.cancel_requested).where(Job.id == self.job_id)
            )
        if requested:
            raise JobCancelled


# At most this long a job's end waits for its calls' usage rows.
USAGE_FLUSH_SECONDS = 30.0


async def _finish(
    runtime: WorkerRuntime,
    job_id: uuid.UUID,
    status: JobStatus,
    event_type: str,
    data: dict[str, Any],
    **values: Any,
) -> None:
    # The run's usage rows are stored in the background (sight.llm.usage):
    # they are all in before anyone is told that it finished.
    try:
        await asyncio.wait_for(runtime.llm.flush_usage(), USAGE_FLUSH_SECONDS)
    except Exception:
        logger.exception("usage rows not stored in time", extra={"job_id": str(job_id)})
    async with session_scope(runtime.sessionmaker) as session:
        await session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status=status, finished_at=func.now(), **values)
        )
        await events.publish(session, job_id, event_type, data)
        await _tell_listeners(runtime, session, job_id)


async def _tell_listeners(
    runtime: WorkerRuntime, session: AsyncSession, job_id: uuid.UUID
) -> None:
    # Each in a savepoint: a failing listener (a notification, a cache) must
    # never undo or block the job's own end.
    job = await session.get(Job, job_id)
    if job is None:
        return
    for listener in finish_listeners():
        try:
            async with session.begin_nested():
                await listener(runtime, session, job)
        except Exception:
            logger.exception(
                "job finish listener failed", extra={"job_id": str(job_id)}
            )


def _cause(exc: BaseException) -> BaseException:
    """What failed: a task group's first domain error (a provider that
    answered 401 inside `asyncio.TaskGroup` arrives as an ExceptionGroup)."""
    if not isinstance(exc, BaseExceptionGroup):
        return exc
    leaves = list(_leaves(exc))
    return next((e for e in leaves if isinstance(e, SightError)), leaves[0])


def _leaves(group: BaseExceptionGroup[BaseException]) -> Iterator[BaseException]:
    for inner in group.exceptions:
        if isinstance(inner, BaseExceptionGroup):
            yield from _leaves(inner)
        else:
            yield inner


def _user_facing_error(exc: BaseException) -> str:
    # Domain errors are written for users; anything else is an internal fault
    # whose text may hold internals, so it goes to the log, not the job row.
    exc = _cause(exc)
    if isinstance(exc, SightError):
        return str(exc.detail)
    return f"internal error ({type(exc).__name__}); see the server log"


async def run_job_task(context: procrastinate.JobContext, job_id: str) -> None:
    runtime: WorkerRuntime = context.additional_context["runtime"]
    await run_job(runtime, uuid.UUID(job_id))


async def run_job(runtime: WorkerRuntime, job_id: uuid.UUID) -> None:
    async with session_scope(runtime.sessionmaker) as session:
        job = await session.get(Job, job_id, with_for_update=True)
        if job is None:
            logger.warning("job %s vanished before it ran", job_id)
            return
        if job.status in TERMINAL_STATUSES:
            return  # a duplicate delivery: the work is already done
        if job.cancel_requested:
            job.status = JobStatus.cancelled
            job.finished_at = datetime.now(UTC)
            await events.publish(
                session, job.id, "cancelled", {"reason": "cancelled before start"}
            )
            return
        interrupted = job.status == JobStatus.running
        maximum = runtime.settings.jobs.max_attempts
        if job.attempts >= maximum:
            # Only a re-queue that bypassed the failure path gets here: the
            # stalled-job watchdog after the worker died mid-attempt (killed,
            # out of memory, or frozen by its input). Running it again would
            # just repeat that, so the job ends here with the reason.
            message = (
                f"stopped after {job.attempts} attempts: the process running the "
                "job stopped responding each time (it crashed, was killed or ran "
                "out of memory)"
            )
            job.status = JobStatus.failed
            job.error = message
            job.finished_at = datetime.now(UTC)
            await events.publish(session, job.id, "failed", {"error": message})
            await _tell_listeners(runtime, session, job.id)
            logger.error(
                "job failed after repeated stalls",
                extra={"job_id": str(job.id), "attempts": job.attempts},
            )
            return
        job.status = JobStatus.running
        job.attempts += 1
        job.started_at = job.started_at or datetime.now(UTC)
        status: dict[str, Any] = {"status": "running", "attempt": job.attempts}
        if interrupted:
            status["error"] = "the previous attempt stopped without finishing"
        await events.publish(session, job.id, "status", status)
        await session.flush()
        session.expunge(job)
    ctx = JobContext(runtime, job)
    handler = get_handler(job.kind)
    if handler is None:
        await _finish(
            runtime,
            job_id,
            JobStatus.failed,
            "failed",
            {"error": f"unknown job kind {job.kind!r}"},
            error=f"unknown job kind {job.kind!r}",
        )
        return
    try:
        result = await handler(ctx)
    except JobCancelled:
        await _finish(
            runtime,
            job_id,
            JobStatus.cancelled,
            "cancelled",
            {"reason": "cancelled by user"},
        )
    except asyncio.CancelledError:
        raise  # worker shutting down: the watchdog of a live worker re-queues it
    except Exception as exc:
        await _after_failure(runtime, ctx, exc)
    else:
        await _finish(
            runtime,
            job_id,
            JobStatus.succeeded,
            "completed",
            {"result": result or {}},
            result=result or {},
            progress=1.0,
        )


async def _after_failure(
    runtime: WorkerRuntime, ctx: JobContext, exc: Exception
) -> None:
    message = _user_facing_error(exc)
    logger.error(
        "job attempt failed",
        exc_info=exc,
        extra={"job_id": str(ctx.job_id), "kind": ctx.kind, "attempt": ctx.attempt},
    )
    cause = _cause(exc)
    # A SightError may say that running again cannot help (`retryable`, e.g. a
    # provider that rejected the key); a 4xx domain error never can.
    retryable = getattr(cause, "retryable", True) and (
        not isinstance(cause, SightError) or cause.status_code >= 500
    )
    if retryable and ctx.attempt < runtime.settings.jobs.max_attempts:
        delay = min(60, 2**ctx.attempt)
        async with session_scope(runtime.sessionmaker) as session:
            await session.execute(
                update(Job).where(Job.id == ctx.job_id).values(status=JobStatus.queued)
            )
            await events.publish(
                session,
                ctx.job_id,
                "status",
                {
                    "status": "queued",
                    "attempt": ctx.attempt,
                    "retry_in_seconds": delay,
                    "error": message,
                },
            )
        await runtime.queue_app.configure_task(
            RUN_JOB_TASK, queue=QUEUE, schedule_in={"seconds": delay}
        ).defer_async(job_id=str(ctx.job_id))
        return
    await _finish(
        runtime,
        ctx.job_id,
        JobStatus.failed,
        "failed",
        {"error": message},
        error=message,
    )


async def requeue_stalled_jobs(runtime: WorkerRuntime) -> int:
    """Re-queue jobs whose worker stopped heartbeating (it crashed or was killed)."""
    manager = runtime.queue_app.job_manager
    stalled = await manager.get_stalled_jobs(
        queue=QUEUE, seconds_since_heartbeat=runtime.settings.jobs.stalled_after_seconds
    )
    count = 0
    for queued in stalled:
        with contextlib.suppress(Exception):  # another worker may have taken it
            await manager.retry_job(queued)
            count += 1
            logger.warning("re-queued stalled job", extra={"queue_job_id": queued.id})
    return count


async def watchdog(runtime: WorkerRuntime, every_seconds: float) -> None:
    while True:
        try:
            await requeue_stalled_jobs(runtime)
        except asyncio.CancelledError:
            raise
        except Exception:
            stop_if_cancelled()
            logger.exception("stalled-job check failed")
        await asyncio.sleep(every_seconds)


async def run_worker(runtime: WorkerRuntime, *, concurrency: int, name: str) -> None:
    """Run a procrastinate worker plus the stall watchdog until cancelled; its
    heartbeat is also written from a thread (heartbeat.py)."""
    import procrastinate.worker

    settings = runtime.settings.jobs
    register_periodic(runtime.queue_app)
    runtime.queue_app.perform_import_paths()  # type: ignore[no-untyped-call]
    worker = procrastinate.worker.Worker(
        app=runtime.queue_app,
        queues=[QUEUE],
        name=name,
        concurrency=concurrency,
        install_signal_handlers=False,
        additional_context={"runtime": runtime},
        update_heartbeat_interval=settings.heartbeat_seconds,
        stalled_worker_timeout=settings.stalled_after_seconds,
        shutdown_graceful_timeout=5,
    )
    engine = runtime.sessionmaker.kw["bind"]
    beat = LoopHeartbeat(
        libpq_url(engine.url.render_as_string(hide_password=False)),
        lambda: worker.worker_id,
        every_seconds=settings.heartbeat_seconds,
        stalled_after_seconds=settings.stalled_after_seconds,
    )
    guard = asyncio.create_task(watchdog(runtime, settings.stalled_after_seconds / 2))
    beat.start()
    try:
        await worker.run()  # type: ignore[no-untyped-call]
    finally:
        await beat.stopped()
        guard.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await guard
