from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Response, status
from pydantic import TypeAdapter

from sight.deps import CurrentUser, DbSession, State
from sight.kit.errors import error_responses
from sight.kit.pagination import OffsetQuery
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX
from sight.kit.schemas import FilterValue, Page
from sight.llm.types import CallContext
from sight.personas import service
from sight.personas.dependencies import PersonaReader, PersonaWriter
from sight.personas.schemas import (
    GenerateAccepted,
    GenerateRequest,
    PersonaListItem,
    PersonaRead,
    PersonaSummary,
)
from sight.projects.dependencies import (
    ProjectReadAccess,
    ProjectReader,
    ProjectWriter,
)

router = domain_router(prefix=API_PREFIX, tags=["personas"])

_SUMMARY_ITEMS = TypeAdapter(list[PersonaListItem])
_FULL_ITEMS = TypeAdapter(list[PersonaRead])


@router.post(
    "/projects/{project_id}/personas/generate",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=GenerateAccepted | dict[str, Any],
    responses=error_responses(400, 402, 409),
)
async def generate(
    project: ProjectWriter,
    data: GenerateRequest,
    user: CurrentUser,
    state: State,
    session: DbSession,
    response: Response,
    estimate: Annotated[
        bool, Query(description="Only return the cost estimate")
    ] = False,
) -> GenerateAccepted | dict[str, Any]:
    """Start generating personas (a job; follow it at `events_url`). With
    `?estimate=true` nothing runs: the expected calls, tokens and USD come back."""
    num = data.num_personas or project.target_sample_size
    if estimate:
        response.status_code = status.HTTP_200_OK
        ctx = CallContext(user_id=user.id, project_id=project.id)
        return await service.estimate_generation(
            state.llm, ctx, num, session=session, project=project, seed=data.seed
        )
    job, cost = await service.start_generation(
        session, state.queue_app, state.llm, project, user.id, num, data.seed
    )
    return GenerateAccepted(
        job_id=job.id,
        status_url=f"{API_PREFIX}/jobs/{job.id}",
        events_url=f"{API_PREFIX}/jobs/{job.id}/events",
        num_personas=num,
        estimate=cost,
    )


@router.get(
    "/projects/{project_id}/personas",
    response_model=Page[PersonaListItem] | Page[PersonaRead],
)
async def list_personas(
    access: ProjectReadAccess,
    age_group: FilterValue | None = None,
    gender: FilterValue | None = None,
    location: FilterValue | None = None,
    urban_rural: FilterValue | None = None,
    education: FilterValue | None = None,
    income_band: FilterValue | None = None,
    include_deleted: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: OffsetQuery = 0,
    view: Annotated[
        Literal["summary", "full"],
        Query(
            description="summary (default): the list's fields; full: every "
            "field of `GET /personas/{id}` (profile, citations, validation)"
        ),
    ] = "summary",
) -> Response:
    """A page of the project's personas, oldest first."""
    given = {
        "age_group": age_group,
        "gender": gender,
        "location": location,
        "urban_rural": urban_rural,
        "education": education,
        "income_band": income_band,
    }
    filters = {k: v for k, v in given.items() if v is not None}
    # The summary is rows: read on the connection, no ORM session needed.
    summary = view == "summary"
    rows, total = await service.list_personas(
        access.caller.connection if summary else await access.session(),
        access.project,
        filters,
        include_deleted=include_deleted,
        limit=limit,
        offset=offset,
        summary=summary,
    )
    # One validator call for the page's items (rows or Persona objects).
    items = (_FULL_ITEMS if view == "full" else _SUMMARY_ITEMS).validate_python(
        rows, from_attributes=True
    )
    page = Page[Any](items=items, total=total, limit=limit, offset=offset)
    # Serialised here, once: returned as a model, FastAPI would validate the
    # page again against the response model (a third of the route's CPU).
    return Response(page.model_dump_json(), media_type="application/json")


@router.get("/projects/{project_id}/personas/summary", response_model=PersonaSummary)
async def persona_summary(project: ProjectReader, session: DbSession) -> PersonaSummary:
    """Generated distribution vs target per dimension, with the fit statistics."""
    return await service.summary(session, project)


@router.get("/personas/{persona_id}", response_model=PersonaRead)
async def get_persona(persona: PersonaReader) -> PersonaRead:
    return PersonaRead.model_validate(persona)


@router.delete("/personas/{persona_id}", response_model=PersonaRead)
async def delete_persona(persona: PersonaWriter, session: DbSession) -> PersonaRead:
    """Soft delete: the persona leaves lists and analyses; `restore` undoes it."""
    return PersonaRead.model_validate(await service.soft_delete(session, persona))


@router.post("/personas/{persona_id}/restore", response_model=PersonaRead)
async def restore_persona(persona: PersonaWriter, session: DbSession) -> PersonaRead:
    return PersonaRead.model_validate(await service.restore(session, persona))
