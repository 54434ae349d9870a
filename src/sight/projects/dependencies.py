"""FastAPI dependencies resolving a project and the caller's right to it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from sight.auth.models import User
from sight.deps import (
    AuthenticatedCaller,
    Caller,
    Credentials,
    CurrentUser,
    DbSession,
    read_caller,
)
from sight.projects.access import Need, authorize_project, authorize_project_read
from sight.projects.models import Project
from sight.projects.repository import ProjectFields


def project_access(need: Need) -> Any:
    async def dependency(
        project_id: uuid.UUID, user: CurrentUser, session: DbSession
    ) -> Project:
        return await authorize_project(session, user, project_id, need)

    dependency.__name__ = f"project_{need}_access"
    return Depends(dependency)


ProjectReader = Annotated[Project, project_access("read")]
ProjectWriter = Annotated[Project, project_access("write")]
ProjectAdmin = Annotated[Project, project_access("admin")]


@dataclass(frozen=True, slots=True)
class ProjectAccess:
    """A project the caller may use, the right they hold on it and the caller
    (user, read connection, session on demand): what `ProjectReader`,
    `CurrentUser` and `DbSession` give, in one dependency (FastAPI solves each
    named dependency again, cached ones included: for the busiest reads that
    was a tenth of their CPU). The project is its columns, read only (not an
    object of a session). GET and HEAD routes only."""

    project: ProjectFields
    held: Need
    caller: Caller

    @property
    def user(self) -> User:
        return self.caller.user

    async def session(self) -> AsyncSession:
        return await self.caller.session()


def project_access_with_caller(need: Need) -> Any:
    async def dependency(
        project_id: uuid.UUID, caller: AuthenticatedCaller
    ) -> ProjectAccess:
        project, held = await authorize_project_read(
            caller.connection, caller.user, project_id, need
        )
        return ProjectAccess(project, held, caller)

    dependency.__name__ = f"project_{need}_access_with_caller"
    return Depends(dependency)


ProjectReadAccess = Annotated[ProjectAccess, project_access_with_caller("read")]


@dataclass(frozen=True, slots=True)
class CheckedProject:
    """A project the caller may read, the right they hold on it, and who
    they are: for a route that needs nothing more from the database."""

    project: ProjectFields
    held: Need
    user: User


async def checked_project_read(
    project_id: uuid.UUID, request: Request, credentials: Credentials
) -> CheckedProject:
    # A plain dependency, not a generator: the connection is back in the pool
    # before the route runs, and FastAPI's machinery for a dependency with
    # `yield` (an exit stack, a shielded cancel scope) was ~5 % of a GET.
    async with read_caller(request, credentials) as caller:
        project, held = await authorize_project_read(
            caller.connection, caller.user, project_id, "read"
        )
        return CheckedProject(project, held, caller.user)


ProjectReadOnly = Annotated[CheckedProject, Depends(checked_project_read)]
