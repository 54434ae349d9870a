"""FastAPI dependencies resolving a project and the caller's right to it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends

from sight.deps import CurrentUser, DbSession
from sight.projects.access import Need, authorize_project
from sight.projects.models import Project


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
