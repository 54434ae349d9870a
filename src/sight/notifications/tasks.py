"""How jobs and LLM spend reach notifications: a finish listener (in the
transaction that ends the job) and a spend listener (after a priced call),
throttled per user so a run of many calls costs one check every few seconds."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from sight.jobs.models import Job
from sight.jobs.registry import on_job_finished, periodic_job
from sight.jobs.runtime import WorkerRuntime
from sight.llm.budget import user_limit
from sight.llm.usage import SpendRecorded, spend_listeners
from sight.notifications import service
from sight.notifications.events import STREAM_KIND
from sight.postgres import session_scope
from sight.streams.models import StreamEvent

# Seconds between two spend checks of one user in one process. The job's end
# checks again, so a crossing late in a run is never missed.
SPEND_CHECK_EVERY = 5.0
_last_check: dict[uuid.UUID, float] = {}


@on_job_finished
async def notify_job_end(
    runtime: WorkerRuntime, session: AsyncSession, job: Job
) -> None:
    await service.job_finished(session, job)
    limit = await user_limit(
        session, runtime.llm.policies, runtime.settings.llm, job.user_id
    )
    await service.check_spend(session, job.user_id, limit)


async def check_spend_after_call(spent: SpendRecorded) -> None:
    now = time.monotonic()
    if now - _last_check.get(spent.user_id, -SPEND_CHECK_EVERY) < SPEND_CHECK_EVERY:
        return
    _last_check[spent.user_id] = now
    if len(_last_check) > 10_000:
        _last_check.clear()
    async with session_scope(spent.sessionmaker) as session:
        limit = await user_limit(session, spent.policies, spent.settings, spent.user_id)
        await service.check_spend(session, spent.user_id, limit)


if check_spend_after_call not in spend_listeners:
    spend_listeners.append(check_spend_after_call)


# The live stream only bridges a reconnect; the list is the record. Stream
# events older than this are deleted once a day.
STREAM_KEEP = timedelta(days=7)


@periodic_job("notifications.prune", cron="17 3 * * *")
async def prune_stream_events(runtime: WorkerRuntime) -> None:
    async with session_scope(runtime.sessionmaker) as session:
        await prune(session, datetime.now(UTC) - STREAM_KEEP)


async def prune(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(
        delete(StreamEvent).where(
            StreamEvent.stream_kind == STREAM_KIND, StreamEvent.created_at < before
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
