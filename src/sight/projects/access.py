"""The one access policy: who may read, write or administer a project and
everything under it (personas, documents, focus groups, surveys, analyses,
exports, streams, search, jobs …).

Rights, highest first (docs/security.md has the matrix):

- admin (delete the project, move it to another team): the project's owner,
  the owners of its team, system admins;
- write (edit, generate, run, upload, delete what is under it): the above and
  the team's members;
- read: the above and the team's viewers.

An account whose system role is `viewer` never holds more than read. A caller
with no right gets the same 404 as for a missing project, so ids reveal
nothing; a caller who may read but not change gets 403 (it can see the
project, so hiding it would only confuse).

Endpoints never compare owner ids: they take `ProjectReader` /
`ProjectWriter` / `ProjectAdmin` (`sight.projects.dependencies`, path
parameter `project_id`; `ProjectReadAccess` also gives the caller and its
read connection, for the busiest reads), or, for a resource under a project,
load the row and call `authorize_project` with the row's `project_id`.
"""

from __future__ import annotations

import uuid
from typing import Literal, TypeVar

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from sight.auth.models import SystemRole, User
from sight.kit.errors import Forbidden, NotFound
from sight.projects import repository
from sight.projects.models import Project
from sight.projects.repository import ProjectFields
from sight.teams.models import TeamMember, TeamRole

Need = Literal["read", "write", "admin"]
_ORDER: dict[Need, int] = {"read": 0, "write": 1, "admin": 2}
_TEAM_RIGHTS: dict[str, Need] = {
    TeamRole.owner: "admin",
    TeamRole.member: "write",
    TeamRole.viewer: "read",
}


class ReadOnlyAccess(Forbidden):
    pass


def rights(user: User, project: ProjectFields, team_role: str | None) -> Need | None:
    """The highest right `user` holds on `project`, or None.

    `team_role` is the user's role in the project's team (None when the
    project has no team or the user is not in it)."""
    held: Need | None
    if user.role == SystemRole.admin or project.owner_id == user.id:
        held = "admin"
    else:
        held = _TEAM_RIGHTS.get(team_role) if team_role else None
    if held is not None and user.role == SystemRole.viewer:
        return "read"
    return held


def allows(held: Need | None, need: Need) -> bool:
    return held is not None and _ORDER[held] >= _ORDER[need]


def visible_projects(user: User) -> ColumnElement[bool]:
    """A WHERE clause selecting the projects `user` may read (for lists): their
    own and their teams'. Admins may read any project, but their lists hold
    their own and their teams' too (`all_projects` lists everything)."""
    return or_(
        Project.owner_id == user.id,
        Project.team_id.in_(
            select(TeamMember.team_id).where(TeamMember.user_id == user.id)
        ),
    )


async def project_rights(
    session: AsyncSession, user: User, project: Project
) -> Need | None:
    """The caller's right on a project already loaded (for responses)."""
    role = (
        await repository.team_role(session, project.team_id, user.id)
        if project.team_id is not None
        else None
    )
    return rights(user, project, role)


async def rights_in_list(
    session: AsyncSession, user: User, projects: list[Project]
) -> list[Need | None]:
    """The caller's right on each project of a list, in one query."""
    roles = await repository.team_roles(session, user.id)
    return [
        rights(user, p, roles.get(p.team_id) if p.team_id else None) for p in projects
    ]


async def authorize_project(
    session: AsyncSession, user: User, project_id: uuid.UUID, need: Need
) -> Project:
    """The project, if `user` may `need` it.

    404 when it is missing or the caller may not read it; 403 when the caller
    may read it but `need` is more."""
    project, _ = await authorize_project_rights(session, user, project_id, need)
    return project


async def authorize_project_rights(
    session: AsyncSession, user: User, project_id: uuid.UUID, need: Need
) -> tuple[Project, Need]:
    """`authorize_project`, and the highest right the caller holds (which a
    response shows: no second query for it)."""
    found = await repository.get_with_team_role(session, project_id, user.id)
    return _decide(user, project_id, found, need)


async def authorize_project_read(
    connection: AsyncConnection | AsyncSession,
    user: User,
    project_id: uuid.UUID,
    need: Need,
) -> tuple[ProjectFields, Need]:
    """`authorize_project_rights` for a request that only reads the project:
    its columns, not a `Project` object (cheaper to load, read only), on a
    connection or a session."""
    found = await repository.get_row_with_team_role(connection, project_id, user.id)
    return _decide(user, project_id, found, need)


_P = TypeVar("_P", bound=ProjectFields)


def _decide(
    user: User, project_id: uuid.UUID, found: tuple[_P, str | None] | None, need: Need
) -> tuple[_P, Need]:
    if found is None:
        raise NotFound("project", project_id)
    project, team_role = found
    held = rights(user, project, team_role)
    if held is None:
        raise NotFound("project", project_id)
    if not allows(held, need):
        raise ReadOnlyAccess(_refusal(user, need))
    return project, held


def _refusal(user: User, need: Need) -> str:
    if user.role == SystemRole.viewer:
        return (
            "your account is a viewer: it can read shared projects but not change "
            "anything; ask an admin for the researcher role"
        )
    if need == "admin":
        return (
            "only the project's owner, its team's owners or an admin may delete "
            "this project or move it to another team"
        )
    return (
        "you can read this project but not change it: ask a team owner to make "
        "you a team member"
    )
