"""The dashboard's background work: drop snapshots when a study in a project
ends (so the next look is fresh), and refresh, every few minutes, the
snapshots of users who looked at their dashboard in the last day."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from sight.auth.models import User
from sight.dashboard import service
from sight.dashboard.store import snapshot_store
from sight.jobs.models import Job
from sight.jobs.registry import on_job_finished, periodic_job
from sight.jobs.runtime import WorkerRuntime
from sight.postgres import session_scope

logger = logging.getLogger("sight.dashboard")

REFRESH_CRON = "*/5 * * * *"
READERS_WITHIN = timedelta(days=1)
MAX_REFRESH = 500


@on_job_finished
async def drop_snapshots(
    runtime: WorkerRuntime, session: AsyncSession, job: Job
) -> None:
    store = snapshot_store(runtime.services.get("redis"), session)
    if job.project_id is not None:
        await store.drop_project(job.project_id)
    await store.drop_users([job.user_id])


@periodic_job("dashboard.refresh", cron=REFRESH_CRON)
async def refresh_snapshots(runtime: WorkerRuntime) -> None:
    redis = runtime.services.get("redis")
    async with session_scope(runtime.sessionmaker) as session:
        since = datetime.now(UTC) - READERS_WITHIN
        readers = await snapshot_store(redis, session).recent_readers(since)
    for user_id in readers[:MAX_REFRESH]:
        try:
            async with session_scope(runtime.sessionmaker) as session:
                user = await session.get(User, user_id)
                if user is None or not user.is_active:
                    continue
                await service.refresh(
                    snapshot_store(redis, session),
                    session,
                    user,
                    policies=runtime.llm.policies,
                    llm_settings=runtime.settings.llm,
                    read=False,
                )
        except Exception:
            logger.exception(
                "dashboard refresh failed", extra={"user_id": str(user_id)}
            )
