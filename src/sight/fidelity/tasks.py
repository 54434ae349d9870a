"""The `fidelity.run` job: a fidelity run (see `run.py`) with the job's
progress and cancellation. Resumable: answers are unique per respondent, and
the persona sample is the same for the same seed."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from sight.fidelity import repository
from sight.fidelity.models import RunStatus
from sight.fidelity.run import Hooks, execute, in_flight_for, mark
from sight.fidelity.service import JOB_KIND, benchmark_of
from sight.jobs.registry import job_handler
from sight.jobs.runtime import JobCancelled, JobContext
from sight.kit.errors import SightError
from sight.postgres import session_scope
from sight.surveys import offline as _offline  # noqa: F401 (registers composers)

logger = logging.getLogger("sight.fidelity")


@job_handler(JOB_KIND)
async def run_fidelity(ctx: JobContext) -> dict[str, Any]:
    run_id = uuid.UUID(ctx.params["run_id"])
    try:
        async with session_scope(ctx.sessionmaker) as session:
            run = await repository.get_run(session, run_id)
            run.status = RunStatus.running
            bench = await benchmark_of(session, run)
            provider = run.provider

        async def progress(done: int, total: int, message: str) -> None:
            await ctx.progress(done, total, message, stage="respondents")

        return await execute(
            ctx.sessionmaker,
            ctx.llm,
            ctx.call_context,
            run_id,
            bench,
            Hooks(progress=progress, check_cancelled=ctx.check_cancelled),
            in_flight=in_flight_for(ctx.runtime.settings, provider),
        )
    except JobCancelled:
        await mark(ctx.sessionmaker, run_id, RunStatus.cancelled)
        raise
    except asyncio.CancelledError:
        raise  # the worker is stopping; the job is re-queued and resumes
    except Exception as exc:
        final = (
            isinstance(exc, SightError) and exc.status_code < 500
        ) or ctx.attempt >= ctx.runtime.settings.jobs.max_attempts
        if final:
            message = (
                str(exc.detail)
                if isinstance(exc, SightError)
                else "internal error; see the server log"
            )
            await mark(ctx.sessionmaker, run_id, RunStatus.failed, message)
        else:
            logger.warning("fidelity run %s attempt failed; retried", run_id)
        raise
