from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from sight.auth.models import User
from sight.deps import CurrentUser, DbSession
from sight.kit.errors import error_responses
from sight.kit.pagination import OffsetQuery
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX
from sight.kit.schemas import Page
from sight.projects import service
from sight.projects.access import project_rights, rights_in_list
from sight.projects.dependencies import ProjectAdmin, ProjectReadOnly, ProjectWriter
from sight.projects.models import Project
from sight.projects.schemas import ProjectCreate, ProjectRead, ProjectUpdate

router = domain_router(prefix=f"{API_PREFIX}/projects", tags=["projects"])


async def _read(session: AsyncSession, user: User, project: Project) -> ProjectRead:
    read = ProjectRead.model_validate(project)
    read.access = await project_rights(session, user, project)
    return read


@router.post(
    "",
    response_model=ProjectRead,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(403),
    description="Researchers and admins (a viewer account gets 403). `team_id` "
    "shares the project with one of the caller's teams.",
)
async def create_project(
    data: ProjectCreate, user: CurrentUser, session: DbSession
) -> ProjectRead:
    project = await service.create_project(session, user, data)
    return await _read(session, user, project)


@router.get("", response_model=Page[ProjectRead], responses=error_responses(403))
async def list_projects(
    user: CurrentUser,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: OffsetQuery = 0,
    scope: Annotated[
        Literal["mine", "all"],
        Query(
            description="mine: own projects and the caller's teams' projects; "
            "all: every project (admins only)"
        ),
    ] = "mine",
) -> Page[ProjectRead]:
    rows, total = await service.list_projects(
        session, user, limit, offset, everything=scope == "all"
    )
    items = [ProjectRead.model_validate(p) for p in rows]
    for item, held in zip(
        items, await rights_in_list(session, user, rows), strict=True
    ):
        item.access = held
    return Page[ProjectRead](
        items=items,
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{project_id}", response_model=ProjectRead)
async def get_project(checked: ProjectReadOnly) -> Response:
    read = ProjectRead.model_validate(checked.project)
    read.access = checked.held
    # Serialised once (the busiest read): returned as a model, FastAPI would
    # validate it a second time against the response model.
    return Response(read.model_dump_json(), media_type="application/json")


@router.patch(
    "/{project_id}", response_model=ProjectRead, responses=error_responses(403)
)
async def update_project(
    project: ProjectWriter, data: ProjectUpdate, user: CurrentUser, session: DbSession
) -> ProjectRead:
    updated = await service.update_project(session, user, project, data)
    return await _read(session, user, updated)


@router.delete(
    "/{project_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(403),
    description="The project's owner, its team's owners and admins.",
)
async def delete_project(project: ProjectAdmin, session: DbSession) -> Response:
    await service.delete_project(session, project)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
