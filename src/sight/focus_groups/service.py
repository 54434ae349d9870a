"""Creating, editing, estimating, running and reading focus groups.

Services take the session first, never commit and raise domain errors.
"""

from __future__ import annotations

import math
import statistics
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from sight.auth.models import User
from sight.focus_groups import repository
from sight.focus_groups.events import STREAM_KIND
from sight.focus_groups.images import ImageRejected, checked_upload
from sight.focus_groups.models import (
    ACTIVE_STATUSES,
    EDITABLE_STATUSES,
    FocusGroup,
    FocusGroupMode,
    FocusGroupStatus,
    TurnRole,
    TurnStatus,
)
from sight.focus_groups.schemas import (
    AnswerTiming,
    FocusGroupCreate,
    FocusGroupUpdate,
    QuestionTranscript,
    ResponseRead,
    Stimulus,
    Timings,
    Transcript,
)
from sight.jobs.models import Job
from sight.jobs.service import cancel_job, create_job
from sight.kit.errors import Conflict, SightError
from sight.kit.routing import API_PREFIX
from sight.llm.config import routing_table
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.llm.vision import IMAGE_INPUT_TOKENS, images_refused
from sight.projects.models import Project
from sight.streams import CancelledEvent, StreamKey, delete_stream, publish

if TYPE_CHECKING:
    import procrastinate

RUN_KIND = "focus_groups.run"
ANSWER_FLOW = "focus_groups.answer"
REMEMBER_KIND = "focus_groups.remember"


class FocusGroupNotEditable(Conflict):
    """409: a group that has run is a record; it cannot change."""


class FocusGroupAlreadyRunning(Conflict):
    """409: the group is queued or running."""


class InvalidFocusGroup(SightError):
    """422 naming the field, like request validation errors."""

    status_code = 422


def stream_key(group_id: uuid.UUID) -> StreamKey:
    return StreamKey(STREAM_KIND, group_id)


def default_wave_size(personas: int) -> int:
    """Speakers per wave in discussion modes.

    Each wave hears every earlier one, so a question costs (waves + 2) model
    latencies at most (the 2: a probe and its answers). Three waves for small
    groups (more back-and-forth), two above nine people: a 20 x 4 discussion
    is then 4 x (2 + 2) x L = 32 s at L = 2 s, inside the 40 s goal.
    """
    waves = 3 if personas <= 9 else 2
    return max(1, math.ceil(personas / waves))


def _invalid(field: str, message: str) -> InvalidFocusGroup:
    return InvalidFocusGroup(
        [
            {
                "loc": ["body", *field.split(".")],
                "field": field,
                "msg": message,
                "type": "value_error",
            }
        ]
    )


async def _check_personas(
    session: AsyncSession, project: Project, ids: list[uuid.UUID]
) -> None:
    found = await repository.project_persona_ids(session, project.id, ids)
    for index, persona_id in enumerate(ids):
        if persona_id not in found:
            raise _invalid(
                f"persona_ids.{index}",
                f"persona {persona_id} is not a persona of this project "
                "(or was deleted); use ids from GET /projects/{id}/personas",
            )


def _dump_questions(data: FocusGroupCreate | FocusGroupUpdate) -> list[dict[str, Any]]:
    return [q.model_dump() for q in data.questions or []]


def image_url(group_id: uuid.UUID) -> str:
    return f"{API_PREFIX}/focus-groups/{group_id}/stimulus-image"


async def ensure_sees_images(
    gateway: LLMGateway, ctx: CallContext, session: AsyncSession | None = None
) -> None:
    """422 when the model that answers in groups cannot be shown an image."""
    route = await gateway.route(ANSWER_FLOW, ctx, session)
    if not gateway.sees_images(route):
        raise images_refused(route.provider, route.model)


async def _set_stimulus(
    session: AsyncSession,
    gateway: LLMGateway,
    group: FocusGroup,
    user: User,
    stimulus: Stimulus | None,
) -> None:
    if stimulus is None or stimulus.image_base64 is None:
        group.stimulus = stimulus.stored() if stimulus else None
        group.stimulus_image = None
        return
    await ensure_sees_images(
        gateway, CallContext(user_id=user.id, project_id=group.project_id), session
    )
    try:
        image = await checked_upload(stimulus.image_base64)
    except ImageRejected as exc:
        raise _invalid("stimulus.image_base64", str(exc)) from exc
    group.stimulus = {
        **stimulus.stored(),
        "image": {**image.describe(), "url": image_url(group.id)},
    }
    group.stimulus_image = image.data


async def create_group(
    session: AsyncSession,
    gateway: LLMGateway,
    project: Project,
    user: User,
    data: FocusGroupCreate,
) -> FocusGroup:
    await _check_personas(session, project, data.persona_ids)
    group = FocusGroup(
        id=uuid.uuid4(),
        project_id=project.id,
        created_by=user.id,
        name=data.name,
        description=data.description,
        project_context=data.project_context,
        persona_ids=[str(p) for p in data.persona_ids],
        questions=_dump_questions(data),
        language=data.language or project.language,
        mode=data.mode,
        wave_size=data.wave_size or default_wave_size(len(data.persona_ids)),
        turn_words=data.turn_words,
        status=FocusGroupStatus.pending,
    )
    await _set_stimulus(session, gateway, group, user, data.stimulus)
    session.add(group)
    await session.flush()
    await session.refresh(group)
    return group


async def update_group(
    session: AsyncSession,
    gateway: LLMGateway,
    project: Project,
    user: User,
    group: FocusGroup,
    data: FocusGroupUpdate,
) -> FocusGroup:
    if group.status not in EDITABLE_STATUSES:
        raise FocusGroupNotEditable(
            f"focus group {group.id} is {group.status}; only a group that has "
            "never run can be edited (create a new one instead)"
        )
    given = data.model_fields_set
    if data.persona_ids is not None:
        await _check_personas(session, project, data.persona_ids)
        group.persona_ids = [str(p) for p in data.persona_ids]
        if "wave_size" not in given and data.wave_size is None:
            group.wave_size = default_wave_size(len(data.persona_ids))
    if data.questions is not None:
        group.questions = _dump_questions(data)
    if "stimulus" in given:
        await _set_stimulus(session, gateway, group, user, data.stimulus)
    for name in ("name", "description", "project_context", "mode", "turn_words"):
        value = getattr(data, name)
        if name in given and value is not None:
            setattr(group, name, value)
    if data.language is not None:
        group.language = data.language
    if data.wave_size is not None:
        group.wave_size = data.wave_size
    await session.flush()
    await session.refresh(group)
    return group


async def delete_group(
    session: AsyncSession, queue_app: procrastinate.App, group: FocusGroup
) -> None:
    """Delete a group and its transcript; a running group is cancelled first."""
    if group.status in ACTIVE_STATUSES and group.job_id is not None:
        job = await session.get(Job, group.job_id)
        if job is not None and job.status in {"queued", "running"}:
            await cancel_job(session, queue_app, job)
    await delete_stream(session, stream_key(group.id))
    await session.delete(group)
    await session.flush()


def planned_calls(group: FocusGroup) -> dict[str, int]:
    """Upper bounds of model calls: one per answer, probes where allowed."""
    personas = len(group.persona_ids)
    answers = personas * len(group.questions)
    probes = 0
    probe_answers = 0
    for question in group.questions:
        policy = question.get("follow_up", "auto")
        if policy == "always" or (
            policy == "auto" and group.mode != FocusGroupMode.normal
        ):
            probes += 1
            probe_answers += min(personas, group.wave_size)
    return {"answers": answers + probe_answers, "probes": probes}


async def estimate(
    gateway: LLMGateway, ctx: CallContext, group: FocusGroup
) -> dict[str, Any]:
    calls = planned_calls(group)
    per_answer = routing_table().flow(ANSWER_FLOW).expected_input_tokens
    if group.stimulus and group.stimulus.get("image"):
        per_answer += IMAGE_INPUT_TOKENS  # the picture goes with every answer
    answers = await gateway.estimate(
        ANSWER_FLOW, calls["answers"], ctx, input_tokens=per_answer
    )
    probes = await gateway.estimate("focus_groups.moderate", calls["probes"], ctx)
    return {
        "calls": answers.calls + probes.calls,
        "input_tokens": answers.input_tokens + probes.input_tokens,
        "output_tokens": answers.output_tokens + probes.output_tokens,
        "usd": round(answers.usd + probes.usd, 6),
        "priced": answers.priced and probes.priced,
        "price_date": answers.price_date,
        "flows": [answers.model_dump(), probes.model_dump()],
        "note": "upper bound: probes are asked only when answers diverge or are vague",
    }


async def start_run(
    session: AsyncSession,
    queue_app: procrastinate.App,
    gateway: LLMGateway,
    group: FocusGroup,
    user: User,
) -> tuple[Job, dict[str, Any]]:
    """Queue the run. A cancelled or failed group runs again from its first
    missing answer; a completed one is a record and is not re-run."""
    if group.status in ACTIVE_STATUSES:
        raise FocusGroupAlreadyRunning(
            f"focus group {group.id} is already {group.status}"
        )
    if group.status == FocusGroupStatus.completed:
        raise FocusGroupNotEditable(f"focus group {group.id} has already run")
    ctx = CallContext(user_id=user.id, project_id=group.project_id)
    if group.stimulus and group.stimulus.get("image"):
        # The model may have changed since the group was set up.
        await ensure_sees_images(gateway, ctx, session)
    cost = await estimate(gateway, ctx, group)
    await gateway.ensure_budget(ctx, cost["usd"])  # 402 before anything runs
    job = await create_job(
        session,
        queue_app,
        user_id=user.id,
        kind=RUN_KIND,
        project_id=group.project_id,
        params={"focus_group_id": str(group.id)},
    )
    group.status = FocusGroupStatus.queued
    group.job_id = job.id
    group.error = None
    await session.flush()
    await session.refresh(group)
    return job, cost


async def cancel_run(
    session: AsyncSession, queue_app: procrastinate.App, group: FocusGroup
) -> FocusGroup:
    """Stop the run; every answer already given stays in the transcript."""
    if group.status not in ACTIVE_STATUSES or group.job_id is None:
        raise Conflict(f"focus group {group.id} is {group.status}; nothing to cancel")
    job = await session.get(Job, group.job_id)
    if job is not None and job.status in {"queued", "running"}:
        await cancel_job(session, queue_app, job)
        if job.status == "cancelled":  # it never started: the group ends here
            group.status = FocusGroupStatus.cancelled
            group.completed_at = datetime.now(UTC)
            await publish(
                session,
                stream_key(group.id),
                CancelledEvent(reason="cancelled before start"),
            )
    await session.flush()
    await session.refresh(group)
    return group


def _percentile(values: list[int], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))])


async def timings(session: AsyncSession, group: FocusGroup) -> Timings:
    rows = await repository.turns(session, group.id)
    answers = [r for r in rows if r.role == TurnRole.persona and r.round == 0]
    latencies = [r.latency_ms for r in answers if r.latency_ms is not None]
    first = [r.first_token_ms for r in answers if r.first_token_ms is not None]
    return Timings(
        answers_expected=len(group.persona_ids) * len(group.questions),
        answers_done=sum(1 for r in answers if r.status == TurnStatus.ok),
        answers_failed=sum(1 for r in answers if r.status == TurnStatus.failed),
        probe_answers=sum(
            1 for r in rows if r.role == TurnRole.persona and r.round > 0
        ),
        median_latency_ms=statistics.median(latencies) if latencies else None,
        p95_latency_ms=_percentile(latencies, 0.95),
        median_first_token_ms=statistics.median(first) if first else None,
        per_answer=[
            AnswerTiming(
                response_id=r.id,
                persona_id=r.persona_id,
                role=r.role,
                question_index=r.question_index,
                round=r.round,
                wave=r.wave,
                status=r.status,
                latency_ms=r.latency_ms,
                first_token_ms=r.first_token_ms,
                attempts=r.attempts,
            )
            for r in rows
        ],
    )


async def transcript(session: AsyncSession, group: FocusGroup) -> Transcript:
    rows = await repository.turns(session, group.id)
    people = await repository.personas(
        session, group.project_id, [r.persona_id for r in rows if r.persona_id]
    )
    by_question: list[QuestionTranscript] = [
        QuestionTranscript(
            question_index=i,
            question=str(q["text"]),
            follow_up=q.get("follow_up", "auto"),
            responses=[],
        )
        for i, q in enumerate(group.questions)
    ]
    for row in rows:
        persona = people.get(row.persona_id) if row.persona_id else None
        question = by_question[row.question_index]
        question.responses.append(
            ResponseRead(
                id=row.id,
                focus_group_id=row.focus_group_id,
                persona_id=row.persona_id,
                persona_name=persona.full_name if persona else None,
                segment=persona.segment if persona else None,
                role=row.role,
                question_index=row.question_index,
                question=question.question,
                round=row.round,
                wave=row.wave,
                position=row.position,
                reply_to_id=row.reply_to_id,
                response=row.text,
                status=row.status,
                error=row.error,
                word_count=row.word_count,
                latency_ms=row.latency_ms,
                first_token_ms=row.first_token_ms,
                generated_by=row.generated_by,
                prompt_version=row.prompt_version,
                details=row.details,
                created_at=row.created_at,
            )
        )
    return Transcript(
        focus_group_id=group.id,
        status=group.status,
        total_responses=len(rows),
        questions=by_question,
    )
