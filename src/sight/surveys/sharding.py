"""A large survey run shared by every worker: the `surveys.run` job splits its
respondents into shards of `SHARD_SIZE`, each a `surveys.shard` job (params
`persona_ids`, `part_of`; quiet: no notification, not on the dashboard) that
any `sight worker` may take; the parent
answers shards too, and takes back any shard no worker has started (so a
single worker, or one busy with other parents, never waits on itself).

Guarantees are the single job's: a response is unique per (survey, persona),
so a shard retried, re-queued or taken back never answers anyone twice; the
parent's checkpoint lists its shards, so a resumed parent waits for the live
ones and re-shards only the respondents no shard holds. The parent publishes
progress and partial results from the table, and computes the results once
every shard has ended.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from sqlalchemy import select

from sight.jobs import service as jobs
from sight.jobs.models import TERMINAL_STATUSES, Job, JobStatus
from sight.jobs.runtime import JobCancelled, JobContext
from sight.kit.errors import SightError
from sight.llm.budget import BudgetExceeded
from sight.personas.models import Persona
from sight.postgres import session_scope
from sight.surveys import repository

# Respondents per shard: small enough that workers share the tail of a run
# evenly, large enough that a shard's job costs little next to its calls.
SHARD_SIZE = 25
# Runs with more respondents than this are sharded.
SHARD_ABOVE = 2 * SHARD_SIZE
SHARD_KIND = "surveys.shard"
POLL_SECONDS = 0.5

AnswerAll = Callable[[list[Persona]], Coroutine[Any, Any, None]]
OnProgress = Callable[[int, list[dict[str, Any]]], Awaitable[None]]


def is_shard(ctx: JobContext) -> bool:
    return ctx.kind == SHARD_KIND


async def answer_in_shards(
    ctx: JobContext,
    survey_id: uuid.UUID,
    people: list[Persona],
    total: int,
    answer: AnswerAll,
    on_progress: OnProgress,
    *,
    concurrency: int = 2 * SHARD_SIZE,
) -> list[dict[str, str]]:
    """Answer `people` through shard jobs (and in this job); returns the
    respondents that failed. `answer` answers a list here, `on_progress`
    hears the answered count and the records stored since it last heard;
    `concurrency` is how many calls this job may have at the provider at once."""
    by_id = {p.id: p for p in people}
    shards = await _start_shards(ctx, survey_id, people, total)
    failures: list[dict[str, str]] = []
    # Shards this job answers side by side: enough respondents waiting that
    # its provider slots never idle while a shard's last calls finish.
    ahead = max(2, -(-concurrency // SHARD_SIZE) + 1)
    try:
        status = await _until_ended(
            ctx, survey_id, shards, by_id, answer, on_progress, ahead
        )
        for shard in shards:
            row = status[shard["job_id"]]
            if row.status == JobStatus.failed:
                error = row.error or "a shard of the run failed"
                if "budget" in error:
                    raise BudgetExceeded(error)
                raise SightError(error, status_code=502)
            failures.extend((row.result or {}).get("failed", []))
    except (JobCancelled, SightError):
        # Cancelled, or stopping on a shard's error (a retry re-shards what
        # is left): no shard goes on answering.
        await _cancel_shards(ctx, shards)
        raise
    return failures


async def _until_ended(
    ctx: JobContext,
    survey_id: uuid.UUID,
    shards: list[dict[str, Any]],
    by_id: dict[uuid.UUID, Persona],
    answer: AnswerAll,
    on_progress: OnProgress,
    ahead: int,
) -> dict[str, Any]:
    """Wait for every shard to end (answering the ones no worker took, up to
    `ahead` at a time, a new one as soon as one ends: no wave waits for the
    slowest respondent of the one before); each shard's job row by job id."""
    answering: set[asyncio.Task[None]] = set()
    try:
        return await _poll(
            ctx, survey_id, shards, by_id, answer, on_progress, ahead, answering
        )
    finally:
        for task in answering:
            task.cancel()
        await asyncio.gather(*answering, return_exceptions=True)


async def _poll(
    ctx: JobContext,
    survey_id: uuid.UUID,
    shards: list[dict[str, Any]],
    by_id: dict[uuid.UUID, Persona],
    answer: AnswerAll,
    on_progress: OnProgress,
    ahead: int,
    answering: set[asyncio.Task[None]],
) -> dict[str, Any]:
    # Respondents whose records `on_progress` has had: each poll reads only
    # the new ones (reading all of them every poll grew with the square of N).
    seen: set[uuid.UUID] = set()
    first = True
    while True:
        for task in [t for t in answering if t.done()]:
            answering.discard(task)
            task.result()  # a shard answered here that failed stops the run
        await ctx.check_cancelled()
        async with ctx.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(Job.id, Job.status, Job.result, Job.error).where(
                        Job.id.in_([uuid.UUID(s["job_id"]) for s in shards])
                    )
                )
            ).all()
            records = await repository.respondent_records(
                session, survey_id, excluding=seen
            )
        if records or first:
            first = False
            seen.update(uuid.UUID(str(r["persona_id"])) for r in records)
            await on_progress(len(seen), records)
        status = {str(r.id): r for r in rows}
        live = [
            s for s in shards if status[s["job_id"]].status not in TERMINAL_STATUSES
        ]
        if not live and not answering:
            return status
        queued = [s for s in live if status[s["job_id"]].status == JobStatus.queued]
        while len(answering) < ahead:
            shard = await _take_back(ctx, queued)
            if shard is None:
                break
            queued = [s for s in queued if s is not shard]
            people = [
                by_id[uuid.UUID(i)]
                for i in shard["persona_ids"]
                if uuid.UUID(i) in by_id
            ]
            answering.add(asyncio.create_task(answer(people)))
        if answering:
            # Back as soon as one of ours ends, or to look at the others.
            await asyncio.wait(
                answering, timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
        else:
            await asyncio.sleep(POLL_SECONDS)


async def _start_shards(
    ctx: JobContext, survey_id: uuid.UUID, people: list[Persona], total: int
) -> list[dict[str, Any]]:
    """The shards of this run: the live ones of an earlier attempt, plus new
    ones for the respondents no live shard holds (stored in one transaction
    with the checkpoint that lists them)."""
    known: list[dict[str, Any]] = ctx.checkpoint("shards") or []
    async with session_scope(ctx.sessionmaker) as session:
        statuses = dict(
            (
                await session.execute(
                    select(Job.id, Job.status).where(
                        Job.id.in_([uuid.UUID(s["job_id"]) for s in known])
                    )
                )
            ).all()
        )
        live = [
            s
            for s in known
            if statuses.get(uuid.UUID(s["job_id"])) not in (None, *TERMINAL_STATUSES)
        ]
        held = {i for s in live for i in s["persona_ids"]}
        free = [str(p.id) for p in people if str(p.id) not in held]
        shards = list(live)
        for start in range(0, len(free), SHARD_SIZE):
            ids = free[start : start + SHARD_SIZE]
            job = await jobs.create_job(
                session,
                ctx.runtime.queue_app,
                user_id=ctx.user_id,
                kind=SHARD_KIND,
                project_id=ctx.project_id,
                params={
                    **{k: v for k, v in ctx.params.items() if k != "persona_ids"},
                    "survey_id": str(survey_id),
                    "persona_ids": ids,
                    "total": total,
                    "part_of": str(ctx.job_id),
                },
            )
            shards.append(
                {
                    "job_id": str(job.id),
                    "queue_job_id": job.queue_job_id,
                    "persona_ids": ids,
                }
            )
        await ctx.save_checkpoint("shards", shards, session=session)
    return shards


async def _take_back(
    ctx: JobContext, queued: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """A shard no worker has started yet, withdrawn from the queue so this
    job answers it; None when every queued shard was just taken."""
    manager = ctx.runtime.queue_app.job_manager
    for shard in queued:
        if shard.get("queue_job_id") is None:
            continue
        if await manager.cancel_job_by_id_async(int(shard["queue_job_id"])):
            async with session_scope(ctx.sessionmaker) as session:
                job = await session.get(Job, uuid.UUID(shard["job_id"]))
                if job is not None:
                    job.status = JobStatus.succeeded
                    job.result = {"answered_by": str(ctx.job_id), "failed": []}
            return shard
    return None


async def _cancel_shards(ctx: JobContext, shards: list[dict[str, Any]]) -> None:
    async with session_scope(ctx.sessionmaker) as session:
        for shard in shards:
            job = await session.get(Job, uuid.UUID(shard["job_id"]))
            if job is not None and job.status not in TERMINAL_STATUSES:
                await jobs.cancel_job(session, ctx.runtime.queue_app, job)
