"""Every query of the projects domain (the access policy and the service use it)."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from sight.kit.pagination import paginate
from sight.projects.models import Project
from sight.teams.models import Team, TeamMember


async def get(session: AsyncSession, project_id: uuid.UUID) -> Project | None:
    project: Project | None = await session.scalar(
        select(Project).where(Project.id == project_id)
    )
    return project


async def page(
    session: AsyncSession, visible: ColumnElement[bool], limit: int, offset: int
) -> tuple[list[Project], int]:
    """A page of the projects `visible` selects, newest first, and their count."""
    return await paginate(
        session,
        Project,
        visible,
        order_by=[Project.created_at.desc()],
        limit=limit,
        offset=offset,
    )


def add(session: AsyncSession, project: Project) -> None:
    session.add(project)


async def delete(session: AsyncSession, project: Project) -> None:
    await session.delete(project)
    await session.flush()


async def get_with_team_role(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Project, str | None] | None:
    """The project and `user_id`'s role in its team (None: no team or not in it),
    in one query: the access check of every request under a project."""
    row = (
        await session.execute(
            _project_with_team_role(), {"project_id": project_id, "user_id": user_id}
        )
    ).first()
    if row is None:
        return None
    return row[0], row[1]


@functools.cache
def _project_with_team_role() -> Select[Project, str]:
    # Built once per process: SQLAlchemy memoises a statement's cache key on the
    # statement object, so reusing it skips rebuilding and hashing the query on
    # every request under a project.
    return (
        select(Project, TeamMember.role)
        .outerjoin(
            TeamMember,
            and_(
                TeamMember.team_id == Project.team_id,
                TeamMember.user_id == bindparam("user_id"),
            ),
        )
        .where(Project.id == bindparam("project_id"))
    )


class ProjectFields(Protocol):
    """A project's columns, read only: a `Project` or a row of them
    (`get_row_with_team_role`)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def owner_id(self) -> uuid.UUID: ...
    @property
    def team_id(self) -> uuid.UUID | None: ...
    @property
    def name(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def country(self) -> str: ...
    @property
    def target_distribution(self) -> dict[str, Any]: ...
    @property
    def created_at(self) -> datetime: ...


async def get_row_with_team_role(
    connection: AsyncConnection | AsyncSession,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
) -> tuple[ProjectFields, str | None] | None:
    """`get_with_team_role` for a request that only reads the project: its
    columns as a row, not a `Project` in a session (loading the ORM object
    was about a sixth of a GET's CPU, issue 16); on a Core connection, the
    ORM session's own steps are skipped too."""
    row = (
        await connection.execute(
            _project_row_with_team_role(),
            {"project_id": project_id, "user_id": user_id},
        )
    ).first()
    if row is None:
        return None
    # The row has the project's columns as attributes, and `team_role`.
    return cast(ProjectFields, row), row.team_role


@functools.cache
def _project_row_with_team_role() -> Select[Any]:
    projects, members = Project.__table__, TeamMember.__table__
    return (
        select(projects, members.c.role.label("team_role"))
        .outerjoin(
            members,
            and_(
                members.c.team_id == projects.c.team_id,
                members.c.user_id == bindparam("user_id"),
            ),
        )
        .where(projects.c.id == bindparam("project_id"))
    )


async def team_exists(session: AsyncSession, team_id: uuid.UUID) -> bool:
    return (await session.scalar(select(Team.id).where(Team.id == team_id))) is not None


async def team_role(
    session: AsyncSession, team_id: uuid.UUID, user_id: uuid.UUID
) -> str | None:
    role: str | None = await session.scalar(
        select(TeamMember.role).where(
            TeamMember.team_id == team_id, TeamMember.user_id == user_id
        )
    )
    return role


async def team_roles(session: AsyncSession, user_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(TeamMember.team_id, TeamMember.role).where(TeamMember.user_id == user_id)
    )
    return {team_id: role for team_id, role in rows.all()}


async def team_member_ids(session: AsyncSession, team_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        await session.scalars(
            select(TeamMember.user_id).where(TeamMember.team_id == team_id)
        )
    )
