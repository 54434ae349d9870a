"""Fidelity runs (jobs) and uploaded studies, under the project access policy."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import Depends, File, Form, Query, UploadFile, status

from sight.deps import CurrentUser, DbSession, State
from sight.fidelity import repository, service
from sight.fidelity.models import FidelityRun, FidelityStudy
from sight.fidelity.schemas import (
    BenchmarkInfo,
    FidelityRunCreate,
    FidelityRunRead,
    FidelityRunSummary,
    RunAccepted,
    StudyMapping,
    StudyRead,
)
from sight.fidelity.upload import MAX_BYTES, UploadInvalid, analyse, apply_mapping
from sight.kit.errors import NotFound
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX
from sight.kit.schemas import Page
from sight.projects.access import Need, authorize_project
from sight.projects.dependencies import ProjectReader, ProjectWriter
from sight.projects.models import Project

router = domain_router(prefix=API_PREFIX, tags=["fidelity"])


def _run_access(need: Need) -> Any:
    async def dependency(
        run_id: uuid.UUID, user: CurrentUser, session: DbSession
    ) -> FidelityRun:
        run = await repository.get_run(session, run_id)
        if run.project_id is None:  # a command-line run belongs to no project
            raise NotFound("fidelity run", run_id)
        await authorize_project(session, user, run.project_id, need)
        return run

    dependency.__name__ = f"fidelity_run_{need}_access"
    return Depends(dependency)


def _study_access(need: Need) -> Any:
    async def dependency(
        study_id: uuid.UUID, user: CurrentUser, session: DbSession
    ) -> FidelityStudy:
        study = await repository.get_study(session, study_id)
        await authorize_project(session, user, study.project_id, need)
        return study

    dependency.__name__ = f"fidelity_study_{need}_access"
    return Depends(dependency)


RunReader = Annotated[FidelityRun, _run_access("read")]
StudyReader = Annotated[FidelityStudy, _study_access("read")]
StudyWriter = Annotated[FidelityStudy, _study_access("write")]


@router.get("/fidelity/benchmarks", response_model=list[BenchmarkInfo])
async def list_benchmarks(user: CurrentUser) -> list[dict[str, Any]]:
    """Benchmarks shipped with Sight (with their required citation)."""
    del user
    return service.benchmarks()


@router.post(
    "/projects/{project_id}/fidelity",
    response_model=RunAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={402: {"description": "the run's estimated cost exceeds the budget"}},
)
async def start_run(
    project: ProjectWriter,
    data: FidelityRunCreate,
    user: CurrentUser,
    state: State,
    session: DbSession,
) -> RunAccepted:
    """Measure fidelity: a persona sample per group answers the benchmark (a
    job; follow `status_url`, read the result at `run_url`)."""
    run, job, cost, respondents = await service.start_run(
        session, state.queue_app, state.llm, project, user.id, data
    )
    return RunAccepted(
        run_id=run.id,
        job_id=job.id,
        status_url=f"{API_PREFIX}/jobs/{job.id}",
        run_url=f"{API_PREFIX}/fidelity/runs/{run.id}",
        respondents=respondents,
        estimate=cost,
    )


@router.get("/projects/{project_id}/fidelity", response_model=Page[FidelityRunSummary])
async def list_runs(
    project: ProjectReader,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[FidelityRunSummary]:
    runs, total = await repository.runs_of_project(session, project.id, limit, offset)
    items = [
        FidelityRunSummary.model_validate(await service.summary(session, r))
        for r in runs
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/fidelity/runs/{run_id}", response_model=FidelityRunRead)
async def get_run(run: RunReader, session: DbSession) -> FidelityRunRead:
    """A run: its status and progress, and when completed the measures."""
    out = await service.summary(session, run)
    return FidelityRunRead.model_validate({**out, "result": run.result})


# ---- calibration: the researcher's own study ------------------------------


def _study_read(study: FidelityStudy) -> StudyRead:
    questions: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    if study.benchmark is not None:
        questions = [
            {
                "id": q["id"],
                "text": q["question"],
                "options": q["options"],
                "scale": q["scale"],
                "groups": {g: c["n"] for g, c in q["groups"].items()},
            }
            for q in study.benchmark["data"]["questions"]
        ]
        groups = [
            {"id": gid, **spec}
            for gid, spec in study.benchmark["spec"]["groups"].items()
        ]
    return StudyRead.model_validate(
        {
            **{
                c: getattr(study, c)
                for c in (
                    "id",
                    "project_id",
                    "name",
                    "filename",
                    "country",
                    "layout",
                    "status",
                    "rows",
                    "columns",
                    "mapping",
                    "created_at",
                )
            },
            "questions": questions,
            "groups": groups,
        }
    )


@router.post(
    "/projects/{project_id}/fidelity/studies",
    response_model=StudyRead,
    status_code=status.HTTP_201_CREATED,
)
async def upload_study(
    project: ProjectWriter,
    user: CurrentUser,
    session: DbSession,
    file: Annotated[UploadFile, File(description="CSV or XLSX")],
    name: Annotated[str | None, Form(max_length=200)] = None,
) -> StudyRead:
    """Upload the results of a real survey: per-group distributions, or one
    row per respondent with demographics. Respondent rows are reduced to
    counts on arrival and never stored; the response lists the detected
    columns for the mapping step."""
    content = await file.read(MAX_BYTES + 1)
    filename = file.filename or "upload.csv"
    analysed = await asyncio.to_thread(analyse, filename, content)
    del content
    study = FidelityStudy(
        project_id=project.id,
        created_by=user.id,
        name=(name or filename.rsplit(".", 1)[0])[:200],
        filename=filename[:300],
        country=project.country,
        layout=analysed["layout"],
        status="needs_mapping",
        rows=analysed["rows"],
        columns=analysed["columns"],
        pending=analysed["pending"],
    )
    session.add(study)
    await session.flush()
    await session.refresh(study)
    return _study_read(study)


@router.get("/projects/{project_id}/fidelity/studies", response_model=list[StudyRead])
async def list_studies(project: ProjectReader, session: DbSession) -> list[StudyRead]:
    return [
        _study_read(s) for s in await repository.studies_of_project(session, project.id)
    ]


@router.get("/fidelity/studies/{study_id}", response_model=StudyRead)
async def get_study(study: StudyReader) -> StudyRead:
    return _study_read(study)


@router.put("/fidelity/studies/{study_id}/mapping", response_model=StudyRead)
async def map_study(
    study: StudyWriter, mapping: StudyMapping, session: DbSession
) -> StudyRead:
    """Say which columns are groups (and which census cell each group is) and
    which are questions (options in order). The counts become per-group
    distributions; everything else from the upload is deleted."""
    if study.pending is None:
        raise UploadInvalid(
            [
                {
                    "loc": ["body"],
                    "field": "",
                    "msg": "this study is already mapped; upload the file again to "
                    "map it differently",
                    "type": "already_mapped",
                }
            ]
        )
    project = await session.get(Project, study.project_id)
    language = project.language if project is not None else "en"
    stored = await asyncio.to_thread(
        apply_mapping,
        {
            "layout": study.layout,
            "columns": study.columns,
            "pending": study.pending,
            "name": study.name,
            "filename": study.filename,
        },
        mapping,
        country=study.country,
        language=language,
    )
    study.benchmark = stored
    study.mapping = mapping.model_dump(exclude_none=True)
    study.pending = None
    study.status = "ready"
    if study.layout == "respondents":
        # Only the mapped columns' summaries stay.
        used = {c.column for c in mapping.question_columns or []} | {
            c.column for c in mapping.group_columns or []
        }
        study.columns = [
            c if c["name"] in used else {**c, "values": []} for c in study.columns
        ]
    await session.flush()
    await session.refresh(study)
    return _study_read(study)
