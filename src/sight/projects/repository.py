"""Every query of the projects domain (the access policy and the service use it)."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from sight.kit.pagination import paginate
from sight.projects.models import Project


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
