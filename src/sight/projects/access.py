"""The one access policy: who may read, write or administer a project and
everything under it (personas, documents, focus groups, surveys, streams …).

Endpoints never compare owner ids: they take `ProjectReader` / `ProjectWriter`
(`sight.projects.dependencies`, path parameter `project_id`), or, for a
resource under a project, load the row and call `authorize_project` with the
row's `project_id`. A caller without the right gets the same 404 as for a
missing project, so ids reveal nothing.

Today a project's owner holds every right. Teams extend `_rights` and
`visible_projects` here, and nowhere else.
"""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from sight.auth.models import User
from sight.kit.errors import NotFound
from sight.projects import repository
from sight.projects.models import Project

Need = Literal["read", "write", "admin"]
_ORDER: dict[Need, int] = {"read": 0, "write": 1, "admin": 2}


def _rights(user: User, project: Project) -> Need | None:
    """The highest right `user` holds on `project`, or None."""
    if project.owner_id == user.id:
        return "admin"
    return None


def can(user: User, project: Project, need: Need) -> bool:
    held = _rights(user, project)
    return held is not None and _ORDER[held] >= _ORDER[need]


def visible_projects(user: User) -> ColumnElement[bool]:
    """A WHERE clause selecting the projects `user` may read (for lists)."""
    return Project.owner_id == user.id


async def authorize_project(
    session: AsyncSession, user: User, project_id: uuid.UUID, need: Need
) -> Project:
    """The project, if `user` may `need` it; 404 otherwise (missing or not allowed)."""
    project = await repository.get(session, project_id)
    if project is None or not can(user, project, need):
        raise NotFound("project", project_id)
    return project
