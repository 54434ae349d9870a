"""The `focus_groups.run` job: the room runs, every turn is stored as it ends.

Idempotent and resumable: turns are unique per (group, question, round,
speaker), a new attempt loads what is stored and speaks only what is missing.
The questions' embeddings (one per question, for memory recall) are a
checkpoint. A watcher polls the cancel flag every half second and stops the
speakers mid-sentence; what was said (stored) stays.
The group's own stream ends with `completed`, `failed` or `cancelled`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from sight.demographics import load_census
from sight.focus_groups import offline as _offline  # noqa: F401 (offline composers)
from sight.focus_groups import repository
from sight.focus_groups.memory import MEMORY_FLOW, remember
from sight.focus_groups.models import (
    FocusGroup,
    FocusGroupResponse,
    FocusGroupStatus,
    TurnRole,
    TurnStatus,
)
from sight.focus_groups.room import Room, Stored
from sight.focus_groups.service import REMEMBER_KIND, RUN_KIND, stream_key
from sight.jobs.models import Job
from sight.jobs.registry import job_handler
from sight.jobs.runtime import JobCancelled, JobContext
from sight.jobs.service import create_job
from sight.kit.errors import SightError
from sight.llm.providers.base import ImagePart
from sight.personas.models import Persona
from sight.postgres import session_scope
from sight.projects.models import Project
from sight.streams import CancelledEvent, CompletedEvent, FailedEvent, publish

logger = logging.getLogger("sight.focus_groups")

CANCEL_POLL_SECONDS = 0.5


@job_handler(REMEMBER_KIND)
async def remember_answers(ctx: JobContext) -> dict[str, Any]:
    """Embed a group's answers that have no embedding yet (the last seconds of
    a run, or a run that crashed): memory for the project's next groups."""
    group_id = uuid.UUID(str(ctx.params["focus_group_id"]))
    async with ctx.sessionmaker() as session:
        rows = (
            await session.execute(
                select(FocusGroupResponse.id, FocusGroupResponse.text).where(
                    FocusGroupResponse.focus_group_id == group_id,
                    FocusGroupResponse.role == TurnRole.persona,
                    FocusGroupResponse.status == TurnStatus.ok,
                    FocusGroupResponse.embedding.is_(None),
                )
            )
        ).all()
    answers = [(r.id, r.text) for r in rows]
    await remember(ctx.sessionmaker, ctx.llm, ctx.call_context, answers)
    return {"embedded": len(answers)}


@job_handler(RUN_KIND)
async def run_focus_group(ctx: JobContext) -> dict[str, Any]:
    group_id = uuid.UUID(str(ctx.params["focus_group_id"]))
    async with session_scope(ctx.sessionmaker) as session:
        group = await session.get(FocusGroup, group_id)
        if group is None:
            return {"deleted": True}
        project = await session.get(Project, group.project_id)
        if project is None:
            return {"deleted": True}
        group.status = FocusGroupStatus.running
        group.started_at = group.started_at or datetime.now(UTC)
        await session.flush()
        people = await _people(session, project, group)
        stored = await _stored(session, group_id)
        described = (group.stimulus or {}).get("image")
        picture = (
            await repository.stimulus_image(session, group_id) if described else None
        )
        session.expunge(group)
    room = Room(ctx, group, people, stream_key(group_id), stored, None)
    if described and picture:
        room.images = (ImagePart(described["mime_type"], picture),)
    # Question embeddings serve similarity recall only: a group whose people
    # have nothing embedded yet (a project's first group) does not wait for them.
    room.load_vectors = lambda: _question_vectors(ctx, group)
    try:
        await _until_cancelled(ctx, room.run())
    except JobCancelled:
        await _finish(ctx, group_id, FocusGroupStatus.cancelled, None)
        raise
    except asyncio.CancelledError:
        raise  # the worker stops; another attempt resumes
    except Exception as exc:
        if _final(ctx, exc):
            message = (
                str(exc.detail)
                if isinstance(exc, SightError)
                else "internal error; see the server log"
            )
            await _finish(ctx, group_id, FocusGroupStatus.failed, message)
        raise
    return await _finish(ctx, group_id, FocusGroupStatus.completed, None)


async def _people(
    session: Any, project: Project, group: FocusGroup
) -> dict[uuid.UUID, dict[str, Any]]:
    """What a turn needs about each participant (no ORM objects across calls)."""
    ids = [uuid.UUID(p) for p in group.persona_ids]
    rows = await repository.personas(session, project.id, ids)
    census = load_census(project.country)
    bands = [c.key for c in census.dimensions["income"].categories]
    people: dict[uuid.UUID, dict[str, Any]] = {}
    for persona_id in ids:
        persona: Persona | None = rows.get(persona_id)
        if persona is None:
            continue  # deleted since the group was set up
        profile = persona.profile or {}
        rank = (
            bands.index(persona.income_band) / max(1, len(bands) - 1)
            if persona.income_band in bands
            else 0.5
        )
        people[persona_id] = {
            "id": str(persona.id),
            "full_name": persona.full_name,
            "age": persona.age,
            "gender": persona.gender,
            "age_group": persona.age_group,
            "occupation": persona.occupation,
            "location": persona.location,
            "urban_rural": persona.urban_rural,
            "education": persona.education,
            "income_band": persona.income_band,
            "income_rank": round(rank, 3),
            "segment": persona.segment,
            "profile": {
                k: profile.get(k)
                for k in (
                    "values",
                    "needs",
                    "pain_points",
                    "shopping_habits",
                    "interests",
                    "big_five",
                    "background_story",
                    "quote",
                )
                if k in profile
            },
        }
    return people


async def _stored(
    session: Any, group_id: uuid.UUID
) -> dict[tuple[int, int, uuid.UUID | None], Stored]:
    rows = await session.scalars(
        select(FocusGroupResponse).where(FocusGroupResponse.focus_group_id == group_id)
    )
    return {
        (r.question_index, r.round, r.persona_id): Stored(
            r.id, r.text, r.status, r.wave, r.position, r.details
        )
        for r in rows
    }


async def _question_vectors(
    ctx: JobContext, group: FocusGroup
) -> list[list[float]] | None:
    saved = ctx.checkpoint("question_vectors")
    if saved is not None:
        return [list(map(float, v)) for v in saved]
    texts = [str(q["text"]) for q in group.questions]
    try:
        vectors = await ctx.llm.embed(texts, ctx.call_context, flow=MEMORY_FLOW)
    except SightError as exc:
        # Memory then falls back to this group's latest answers (by recency).
        logger.warning("question embeddings failed: %s", exc.detail)
        return None
    await ctx.save_checkpoint("question_vectors", vectors)
    return vectors


async def _until_cancelled(ctx: JobContext, work: Any) -> None:
    """Run `work`; stop it within CANCEL_POLL_SECONDS of a cancel request."""
    task = asyncio.ensure_future(work)
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=CANCEL_POLL_SECONDS)
            if task.done():
                break
            async with ctx.sessionmaker() as session:
                requested = await session.scalar(
                    select(Job.cancel_requested).where(Job.id == ctx.job_id)
                )
            if requested:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, JobCancelled):
                    await task
                raise JobCancelled
        exc = task.exception()
        if isinstance(exc, BaseExceptionGroup):
            # A TaskGroup wraps a speaker's error: surface the first one.
            first = exc.exceptions[0]
            while isinstance(first, BaseExceptionGroup):
                first = first.exceptions[0]
            raise first
        task.result()
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


def _final(ctx: JobContext, exc: BaseException) -> bool:
    retryable = not isinstance(exc, SightError) or exc.status_code >= 500
    return not retryable or ctx.attempt >= ctx.runtime.settings.jobs.max_attempts


async def _finish(
    ctx: JobContext, group_id: uuid.UUID, status: FocusGroupStatus, error: str | None
) -> dict[str, Any]:
    async with session_scope(ctx.sessionmaker) as session:
        group = await session.get(FocusGroup, group_id, with_for_update=True)
        if group is None:
            return {"deleted": True}
        rows = await repository.turns(session, group_id)
        answers = [r for r in rows if r.role == TurnRole.persona]
        ok = [r for r in answers if r.status == TurnStatus.ok]
        failed = [r for r in answers if r.status == TurnStatus.failed]
        latencies = [r.latency_ms for r in ok if r.latency_ms is not None]
        now = datetime.now(UTC)
        started = group.started_at or now
        await session.execute(
            update(FocusGroup)
            .where(FocusGroup.id == group_id)
            .values(
                status=status,
                completed_at=now,
                error=error,
                total_execution_time_ms=round((now - started).total_seconds() * 1000),
                avg_response_time_ms=statistics.fmean(latencies) if latencies else None,
            )
        )
        result = {
            "focus_group_id": str(group_id),
            "answers": len(ok),
            "failed": [
                {
                    "response_id": str(r.id),
                    "persona_id": str(r.persona_id),
                    "question_index": r.question_index,
                    "reason": r.error,
                }
                for r in failed
            ],
            "probes": sum(1 for r in rows if r.role == TurnRole.moderator),
        }
        key = stream_key(group_id)
        if any(r.embedding_dimensions is None and r.status == "ok" for r in answers):
            await create_job(
                session,
                ctx.runtime.queue_app,
                user_id=ctx.user_id,
                kind=REMEMBER_KIND,
                project_id=group.project_id,
                params={"focus_group_id": str(group_id)},
            )
        if status == FocusGroupStatus.completed:
            await publish(session, key, CompletedEvent(result=result))
        elif status == FocusGroupStatus.cancelled:
            await publish(session, key, CancelledEvent(reason="cancelled by user"))
        else:
            await publish(session, key, FailedEvent(error=error or "failed"))
    return result
