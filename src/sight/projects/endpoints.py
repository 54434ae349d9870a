from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from sight.deps import CurrentUser, DbSession
from sight.kit.pagination import OffsetQuery
from sight.kit.routing import API_PREFIX
from sight.kit.schemas import Page
from sight.projects import service
from sight.projects.dependencies import ProjectAdmin, ProjectReader, ProjectWriter
from sight.projects.schemas import ProjectCreate, ProjectRead, ProjectUpdate

router = APIRouter(prefix=f"{API_PREFIX}/projects", tags=["projects"])


@router.post("", response_model=ProjectRead, status_code=status.HTTP_201_CREATED)
async def create_project(
    data: ProjectCreate, user: CurrentUser, session: DbSession
) -> ProjectRead:
    project = await service.create_project(session, user.id, data)
    return ProjectRead.model_validate(project)


@router.get("", response_model=Page[ProjectRead])
async def list_projects(
    user: CurrentUser,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: OffsetQuery = 0,
) -> Page[ProjectRead]:
    rows, total = await service.list_projects(session, user, limit, offset)
    return Page[ProjectRead](
        items=[ProjectRead.model_validate(p) for p in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{project_id}", response_model=ProjectRead)
async def get_project(project: ProjectReader) -> ProjectRead:
    return ProjectRead.model_validate(project)


@router.patch("/{project_id}", response_model=ProjectRead)
async def update_project(
    project: ProjectWriter, data: ProjectUpdate, session: DbSession
) -> ProjectRead:
    return ProjectRead.model_validate(
        await service.update_project(session, project, data)
    )


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_project(project: ProjectAdmin, session: DbSession) -> Response:
    await service.delete_project(session, project)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
