"""SQL of focus groups: groups, turns and their participants, interviews."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sight.focus_groups.models import (
    FocusGroup,
    FocusGroupResponse,
    PersonaChatMessage,
)
from sight.kit.pagination import paginate
from sight.personas.models import Persona


async def get_group(session: AsyncSession, group_id: uuid.UUID) -> FocusGroup | None:
    return await session.get(FocusGroup, group_id)


async def list_groups(
    session: AsyncSession, project_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[FocusGroup], int]:
    return await paginate(
        session,
        FocusGroup,
        FocusGroup.project_id == project_id,
        order_by=[FocusGroup.created_at.desc()],
        limit=limit,
        offset=offset,
    )


async def project_persona_ids(
    session: AsyncSession, project_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of `ids` are live personas of the project."""
    rows = await session.scalars(
        select(Persona.id).where(
            Persona.project_id == project_id,
            Persona.id.in_(list(ids)),
            Persona.deleted_at.is_(None),
        )
    )
    return set(rows)


async def personas(
    session: AsyncSession, project_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Persona]:
    rows = await session.scalars(
        select(Persona).where(Persona.project_id == project_id, Persona.id.in_(ids))
    )
    return {p.id: p for p in rows}


async def turns(session: AsyncSession, group_id: uuid.UUID) -> list[FocusGroupResponse]:
    rows = await session.scalars(
        select(FocusGroupResponse)
        .where(FocusGroupResponse.focus_group_id == group_id)
        .order_by(
            FocusGroupResponse.question_index,
            FocusGroupResponse.round,
            FocusGroupResponse.position,
        )
    )
    return list(rows)


async def insert_turn(
    session: AsyncSession, values: dict[str, Any]
) -> uuid.UUID | None:
    """Store a turn once: None when this (group, question, round, speaker)
    already exists (a resumed run racing an earlier attempt)."""
    statement = (
        insert(FocusGroupResponse)
        .values(**values)
        .on_conflict_do_nothing(constraint="uq_focus_group_responses_turn")
        .returning(FocusGroupResponse.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def count_turns(session: AsyncSession, group_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(FocusGroupResponse)
            .where(FocusGroupResponse.focus_group_id == group_id)
        )
        or 0
    )


async def chat_history(
    session: AsyncSession, persona_id: uuid.UUID, user_id: uuid.UUID, limit: int = 200
) -> list[PersonaChatMessage]:
    rows = await session.scalars(
        select(PersonaChatMessage)
        .where(
            PersonaChatMessage.persona_id == persona_id,
            PersonaChatMessage.user_id == user_id,
        )
        .order_by(PersonaChatMessage.created_at.desc(), PersonaChatMessage.id)
        .limit(limit)
    )
    return list(reversed(list(rows)))


async def stimulus_image(session: AsyncSession, group_id: uuid.UUID) -> bytes | None:
    """The group's image bytes (a deferred column: read only here)."""
    image: bytes | None = await session.scalar(
        select(FocusGroup.stimulus_image).where(FocusGroup.id == group_id)
    )
    return image
