"""Every query of the personas domain (the service, the endpoints' dependencies
and the generation job use it)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from sight.kit.pagination import paginate
from sight.personas.models import Persona

# Persona columns of the demographic dimensions, by the target's dimension names.
DIMENSION_COLUMNS = {
    "age_group": Persona.age_group,
    "gender": Persona.gender,
    "location": Persona.location,
    "urban_rural": Persona.urban_rural,
    "education": Persona.education,
    "income": Persona.income_band,
}


# What a list item shows (PersonaListItem's fields), read as plain rows; the
# profile, citations and validation are on the item route.
LIST_COLUMNS = (
    Persona.id,
    Persona.project_id,
    Persona.full_name,
    Persona.age,
    Persona.age_group,
    Persona.gender,
    Persona.location,
    Persona.urban_rural,
    Persona.education,
    Persona.income_band,
    Persona.income,
    Persona.income_currency,
    Persona.occupation,
    Persona.language,
    Persona.segment,
    Persona.generated_by,
    Persona.deleted_at,
    Persona.created_at,
)
_ORDER = (Persona.created_at, Persona.slot)


def _alive(project_id: uuid.UUID) -> tuple[ColumnElement[bool], ...]:
    return (Persona.project_id == project_id, Persona.deleted_at.is_(None))


async def get(session: AsyncSession, persona_id: uuid.UUID) -> Persona | None:
    return await session.get(Persona, persona_id)


def _page_conditions(
    project_id: uuid.UUID, equal: dict[str, str], include_deleted: bool
) -> list[ColumnElement[bool]]:
    conditions = [Persona.project_id == project_id]
    if not include_deleted:
        conditions.append(Persona.deleted_at.is_(None))
    conditions += [getattr(Persona, name) == value for name, value in equal.items()]
    return conditions


async def page(
    session: AsyncSession,
    project_id: uuid.UUID,
    equal: dict[str, str],
    *,
    include_deleted: bool,
    limit: int,
    offset: int,
) -> tuple[list[Persona], int]:
    """A page of a project's personas whose columns equal `equal`, oldest first."""
    return await paginate(
        session,
        Persona,
        *_page_conditions(project_id, equal, include_deleted),
        order_by=_ORDER,
        limit=limit,
        offset=offset,
    )


async def summary_page(
    db: AsyncSession | AsyncConnection,
    project_id: uuid.UUID,
    equal: dict[str, str],
    *,
    include_deleted: bool,
    limit: int,
    offset: int,
) -> tuple[Sequence[Row[Any]], int]:
    """The same page as `page`, as rows of `LIST_COLUMNS` (the busiest list:
    plain rows cost a fraction of ORM objects, and the profile, citations and
    validation, most of a row's bytes, are not read)."""
    statement = _summary_page(include_deleted)
    if equal:
        statement = statement.where(
            *(getattr(Persona, name) == value for name, value in equal.items())
        )
    result = await db.execute(
        statement, {"project_id": project_id, "limit": limit, "offset": offset}
    )
    rows = result.all()
    if rows:
        return rows, int(rows[0].sight_total)
    if offset == 0:
        return [], 0
    conditions = _page_conditions(project_id, equal, include_deleted)
    total = await db.scalar(
        select(func.count()).select_from(Persona).where(*conditions)
    )
    return [], int(total or 0)


@functools.cache
def _summary_page(include_deleted: bool) -> Select[*tuple[Any, ...]]:
    # Built once per process: SQLAlchemy memoises a statement's cache key on
    # the statement object, so reuse skips building and hashing it per request.
    statement = select(*LIST_COLUMNS, func.count().over().label("sight_total"))
    statement = statement.where(Persona.project_id == bindparam("project_id"))
    if not include_deleted:
        statement = statement.where(Persona.deleted_at.is_(None))
    return (
        statement.order_by(*_ORDER)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


async def count_alive(session: AsyncSession, project_id: uuid.UUID) -> int:
    total = await session.scalar(
        select(func.count()).select_from(Persona).where(*_alive(project_id))
    )
    return int(total or 0)


async def counts_by_dimension(
    session: AsyncSession, project_id: uuid.UUID, dimension: str
) -> dict[str, int]:
    column = DIMENSION_COLUMNS[dimension]
    result = await session.execute(
        select(column, func.count()).where(*_alive(project_id)).group_by(column)
    )
    return {key: count for key, count in result.all()}


async def demographic_cells(
    session: AsyncSession, project_id: uuid.UUID
) -> list[dict[str, str]]:
    """Each live persona's category per dimension (what the fit is computed on)."""
    names = list(DIMENSION_COLUMNS)
    rows = await session.execute(
        select(*DIMENSION_COLUMNS.values()).where(*_alive(project_id))
    )
    return [dict(zip(names, row, strict=True)) for row in rows.all()]


async def names_and_profiles(
    session: AsyncSession, project_id: uuid.UUID
) -> list[tuple[str, dict[str, Any]]]:
    rows = await session.execute(
        select(Persona.full_name, Persona.profile).where(*_alive(project_id))
    )
    return [(name, profile) for name, profile in rows.all()]


async def slots_of_job(session: AsyncSession, job_id: uuid.UUID) -> set[int]:
    return set(
        await session.scalars(select(Persona.slot).where(Persona.job_id == job_id))
    )


async def count_of_job(session: AsyncSession, job_id: uuid.UUID) -> int:
    total = await session.scalar(
        select(func.count(Persona.id)).where(Persona.job_id == job_id)
    )
    return int(total or 0)


async def insert_for_slot(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert a generated persona unless its job slot is already filled."""
    inserted = await session.scalar(
        insert(Persona)
        .values(**values)
        .on_conflict_do_nothing(constraint="uq_personas_job_slot")
        .returning(Persona.id)
    )
    return inserted is not None


async def has_ready_documents(session: AsyncSession, project_id: uuid.UUID) -> bool:
    """Whether briefs can be grounded: without documents the retrieval (and
    its query embedding) is skipped."""
    from sight.knowledge.models import Document, DocumentStatus

    found = await session.scalar(
        select(Document.id)
        .where(
            Document.project_id == project_id,
            Document.status == DocumentStatus.ready,
        )
        .limit(1)
    )
    return found is not None
