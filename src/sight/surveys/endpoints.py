from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import Body, Header, Query, Response, status
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sight import streams
from sight.deps import CurrentUser, DbSession, State
from sight.jobs.models import TERMINAL_STATUSES, Job
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX
from sight.kit.schemas import Page
from sight.projects.dependencies import ProjectReader, ProjectWriter
from sight.projects.models import Project
from sight.surveys import export, repository, service
from sight.surveys.dependencies import SurveyReader, SurveyWriter
from sight.surveys.events import SurveyStreamEvent, survey_stream
from sight.surveys.models import Survey, SurveyStatus
from sight.surveys.result_schemas import Crosstab, SurveyResults
from sight.surveys.schemas import (
    AnswerRead,
    RunAccepted,
    SurveyCheck,
    SurveyCreate,
    SurveyRead,
)

router = domain_router(prefix=API_PREFIX, tags=["surveys"])


async def _status(session: Any, survey: Survey) -> str:
    """A run whose job ended without the survey hearing of it (the job failed
    after repeated crashes, or was cancelled while queued) reads as ended."""
    if survey.status != SurveyStatus.running or survey.job_id is None:
        return survey.status
    job_status = await session.scalar(select(Job.status).where(Job.id == survey.job_id))
    if job_status in TERMINAL_STATUSES:
        return str({"succeeded": SurveyStatus.completed}.get(job_status, job_status))
    return str(survey.status)


async def _read(
    session: Any, survey: Survey, answered: int | None = None
) -> SurveyRead:
    if answered is None:
        answered = await repository.answered_count(session, survey.id)
    return SurveyRead(
        id=survey.id,
        project_id=survey.project_id,
        title=survey.title,
        description=survey.description,
        questions=survey.questions,
        respondents=survey.respondents,
        settings=survey.settings,
        status=await _status(session, survey),
        job_id=survey.job_id,
        answered=answered,
        target=survey.target,
        prompt_version=survey.prompt_version,
        created_at=survey.created_at,
        updated_at=survey.updated_at,
    )


@router.post(
    "/projects/{project_id}/surveys",
    response_model=SurveyRead,
    status_code=status.HTTP_201_CREATED,
)
async def create_survey(
    project: ProjectWriter, data: SurveyCreate, user: CurrentUser, session: DbSession
) -> SurveyRead:
    """Define a survey. Invalid definitions get 422 with every problem's field
    path and what is allowed."""
    survey = await service.create_survey(session, project, user.id, data)
    return await _read(session, survey, 0)


@router.post("/projects/{project_id}/surveys/check", response_model=SurveyCheck)
async def check_survey(
    project: ProjectReader,
    user: CurrentUser,
    state: State,
    session: DbSession,
    body: Annotated[dict[str, Any], Body()],
) -> SurveyCheck:
    """The builder's live validation: problems (never a 422), the number of
    respondents the definition selects and the expected cost of a run."""
    return await service.check_survey(session, state.llm, project, user.id, body)


@router.get("/projects/{project_id}/surveys", response_model=Page[SurveyRead])
async def list_surveys(
    project: ProjectReader,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[SurveyRead]:
    rows, total = await repository.list_surveys(
        session, project.id, limit=limit, offset=offset
    )
    return Page[SurveyRead](
        items=[await _read(session, s, answered) for s, answered in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/surveys/{survey_id}", response_model=SurveyRead)
async def get_survey(survey: SurveyReader, session: DbSession) -> SurveyRead:
    return await _read(session, survey)


@router.delete("/surveys/{survey_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_survey(survey: SurveyWriter, session: DbSession) -> Response:
    survey.status = await _status(session, survey)
    await service.delete_survey(session, survey)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/surveys/{survey_id}/run",
    response_model=RunAccepted,
    status_code=status.HTTP_202_ACCEPTED,
)
async def run_survey(
    survey: SurveyWriter, user: CurrentUser, state: State, session: DbSession
) -> RunAccepted:
    """Ask every respondent that has not answered yet (a job; follow it on
    `events_url`). 409 while a run is going or when everyone has answered."""
    survey.status = await _status(session, survey)
    job, cost, total, already = await service.start_run(
        session, state.queue_app, state.llm, survey, user.id
    )
    return RunAccepted(
        job_id=job.id,
        survey_id=survey.id,
        status_url=f"{API_PREFIX}/jobs/{job.id}",
        events_url=f"{API_PREFIX}/surveys/{survey.id}/events",
        respondents=total,
        already_answered=already,
        estimate=cost,
    )


@router.get(
    "/surveys/{survey_id}/events",
    response_class=EventSourceResponse,
    responses=streams.stream_openapi(
        SurveyStreamEvent,
        "Server-sent events; each `data` is one of the declared survey events",
    ),
)
async def survey_events(
    survey: SurveyReader,
    state: State,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[
        int | None,
        Query(ge=0, le=streams.MAX_EVENT_ID, description="Replay events after this id"),
    ] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Live run of a survey (types: `SurveyStreamEvent`): respondents answering,
    progress, partial results, then completed | failed | cancelled."""
    survey_id = survey.id

    async def finished() -> bool:
        async with state.sessionmaker() as s:
            current = await s.get(Survey, survey_id)
            return current is None or await _status(s, current) != SurveyStatus.running

    async for event in streams.sse_events(
        state,
        survey_stream(survey_id),
        last_event_id=last_event_id,
        after=after,
        finished=finished,
    ):
        yield event


async def _project(session: AsyncSession, survey: Survey) -> Project:
    project = await session.get(Project, survey.project_id)
    assert project is not None  # noqa: S101 (authorised through it just now)
    return project


@router.get("/surveys/{survey_id}/results", response_model=SurveyResults)
async def survey_results(survey: SurveyReader, session: DbSession) -> dict[str, Any]:
    """Per question: counts and shares with 95 % Wilson intervals, mean / median
    / mode / sd with intervals, distributions beside a uniform baseline,
    rankings (mean rank, top-k), open-text themes with quotes, and the bias
    guards (position effects, uniformity and demographic warnings)."""
    return await service.results(session, survey, await _project(session, survey))


ByField = Literal[
    "age_group",
    "gender",
    "location",
    "urban_rural",
    "education",
    "income_band",
    "segment",
]


@router.get("/surveys/{survey_id}/crosstabs", response_model=Crosstab)
async def survey_crosstab(
    survey: SurveyReader,
    session: DbSession,
    question: Annotated[str, Query(min_length=1, max_length=40)],
    by: Annotated[list[ByField], Query(min_length=1, max_length=2)],
) -> dict[str, Any]:
    """One question by one demographic field or a pair: counts, shares, cell
    residuals, chi-square (statistic, df, p), Cramér's V, and Fisher's exact or
    a permutation p-value where expected counts are small."""
    return await service.crosstab_of(
        session, survey, await _project(session, survey), question, list(by)
    )


@router.get("/surveys/{survey_id}/responses", response_model=Page[AnswerRead])
async def survey_responses(
    survey: SurveyReader,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[AnswerRead]:
    """Each respondent's answers with the raw model output and, per question,
    the option order shown, two-pass mappings and repairs."""
    rows = await repository.responses(session, survey.id)
    return Page[AnswerRead](
        items=[AnswerRead.model_validate(r) for r in rows[offset : offset + limit]],
        total=len(rows),
        limit=limit,
        offset=offset,
    )


_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@router.get(
    "/surveys/{survey_id}/export",
    response_class=Response,
    responses={200: {"content": {m: {} for m in _MEDIA.values()}}},
)
async def export_survey(
    survey: SurveyReader,
    session: DbSession,
    format: Annotated[Literal["csv", "xlsx", "json"], Query()] = "csv",
) -> Response:
    """One row per respondent, one column per question, demographics included."""
    questions = service.questions_of(survey)
    rows = [
        {
            "id": str(r.id),
            "persona_id": str(r.persona_id),
            "persona_name": r.persona_name,
            "demographics": r.demographics,
            "answers": r.answers,
            "generated_by": r.generated_by,
        }
        for r in await repository.responses(session, survey.id)
    ]
    if format == "csv":
        body = await asyncio.to_thread(export.to_csv, questions, rows)
    elif format == "xlsx":
        body = await asyncio.to_thread(export.to_xlsx, survey.title, questions, rows)
    else:
        meta = {
            "id": str(survey.id),
            "title": survey.title,
            "description": survey.description,
            "settings": survey.settings,
        }
        body = await asyncio.to_thread(export.to_json, meta, questions, rows)
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", survey.title).strip("-")[:60] or "survey"
    return Response(
        content=body,
        media_type=_MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
    )
