"""Export routes in the original product's shapes, now working:

- `GET /projects/{id}/export/{format}?include_full_personas=` (the file, now);
  `POST /projects/{id}/exports` builds it as a job with progress instead, and
  `GET /exports/{export_id}/download` serves the file the job stored;
- `GET /export/personas/{id}/{format}`, `/export/focus-groups/{id}/{format}`,
  `/export/surveys/{id}/{format}`.

Every route authorises through the resource's access dependency (the one
project policy): anyone without read access gets 404. Data is read from
stored rows; rendering runs in a bounded thread pool, never on the loop.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from sight.deps import CurrentUser, DbSession, State
from sight.exports import gather, service
from sight.exports.dependencies import ExportFileReader
from sight.exports.schemas import (
    ExportAccepted,
    ExportFileRead,
    ProjectExportRequest,
    ProjectFormat,
)
from sight.exports.tasks import JOB_KIND
from sight.focus_groups.dependencies import GroupReader
from sight.jobs.service import create_job
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX
from sight.personas.dependencies import PersonaReader
from sight.projects.dependencies import ProjectReader
from sight.surveys.dependencies import SurveyReader

router = domain_router(prefix=API_PREFIX, tags=["exports"])

ReportFormat = Literal["pdf", "docx", "md", "json"]
TableFormat = Literal["pdf", "docx", "md", "json", "xlsx", "csv"]
_FILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {m: {} for m in service.MEDIA.values()}}
}


async def _file(
    session: AsyncSession, kind: str, fmt: str, data: dict[str, Any], title: str
) -> Response:
    # Everything is read: the connection goes back to the pool before the
    # (seconds-long) render, instead of idling through it.
    await session.close()
    body = await service.render_async(kind, fmt, data)
    return Response(
        content=body,
        media_type=service.MEDIA[fmt],
        headers={
            "Content-Disposition": (
                f'attachment; filename="{service.filename(title, fmt)}"'
            )
        },
    )


@router.get(
    "/projects/{project_id}/export/{format}",
    response_class=Response,
    responses=_FILE,
)
async def export_project(
    project: ProjectReader,
    format: ProjectFormat,
    session: DbSession,
    include_full_personas: Annotated[
        bool,
        Query(description="Every persona's profile; else the 10 most representative"),
    ] = False,
) -> Response:
    """The project report (pdf, docx, md), its data (json), or the personas
    table (xlsx also with the fit and model usage; csv). For a large project
    prefer `POST /projects/{id}/exports` (a job with progress)."""
    data = await gather.project_bundle(
        session, project, include_full_personas=include_full_personas
    )
    return await _file(session, "project", format, data, project.name)


@router.post(
    "/projects/{project_id}/exports",
    response_model=ExportAccepted,
    status_code=status.HTTP_202_ACCEPTED,
)
async def start_project_export(
    project: ProjectReader,
    data: ProjectExportRequest,
    user: CurrentUser,
    state: State,
    session: DbSession,
) -> ExportAccepted:
    """Build the project report as a job: follow `events_url` for progress;
    the finished job's `result.download_url` serves the file."""
    job = await create_job(
        session,
        state.queue_app,
        user_id=user.id,
        kind=JOB_KIND,
        project_id=project.id,
        params=data.model_dump(),
    )
    return ExportAccepted(
        job_id=job.id,
        status_url=f"{API_PREFIX}/jobs/{job.id}",
        events_url=f"{API_PREFIX}/jobs/{job.id}/events",
        format=data.format,
    )


@router.get("/exports/{export_id}", response_model=ExportFileRead)
async def get_export(file: ExportFileReader) -> ExportFileRead:
    return ExportFileRead(
        id=file.id,
        project_id=file.project_id,
        job_id=file.job_id,
        format=file.format,
        filename=file.filename,
        media_type=file.media_type,
        size_bytes=file.size_bytes,
        download_url=f"{API_PREFIX}/exports/{file.id}/download",
    )


@router.get("/exports/{export_id}/download", response_class=Response, responses=_FILE)
async def download_export(file: ExportFileReader) -> Response:
    """A report a job built, as stored."""
    return Response(
        content=file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )


@router.get(
    "/export/personas/{persona_id}/{format}", response_class=Response, responses=_FILE
)
async def export_persona(
    persona: PersonaReader, format: ReportFormat, user: CurrentUser, session: DbSession
) -> Response:
    """The persona's profile, its answers in focus groups and surveys, and
    your interview with it."""
    data = await gather.persona_bundle(session, persona, user.id)
    return await _file(session, "persona", format, data, persona.full_name)


@router.get(
    "/export/focus-groups/{focus_group_id}/{format}",
    response_class=Response,
    responses=_FILE,
)
async def export_focus_group(
    group: GroupReader, format: TableFormat, session: DbSession
) -> Response:
    """Summary, insights with quotes, sentiment and theme charts, the concept
    graph and the transcript (pdf, docx, md); the data (json); the transcript
    (csv; xlsx also with insights, themes and sentiment)."""
    data = await gather.group_bundle(session, group)
    return await _file(session, "focus_group", format, data, group.name)


@router.get(
    "/export/surveys/{survey_id}/{format}", response_class=Response, responses=_FILE
)
async def export_survey(
    survey: SurveyReader, format: TableFormat, session: DbSession
) -> Response:
    """Method, a chart per question with intervals, significant crosstabs,
    open-text themes and a methods note (pdf, docx, md); the data (json); the
    answers (csv; xlsx also with results and crosstabs)."""
    data = await gather.survey_bundle(session, survey)
    return await _file(session, "survey", format, data, survey.title)
