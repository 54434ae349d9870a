"""All SQL of surveys: surveys, their respondents and responses."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import all_, and_, cast, delete, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession

from sight.kit.errors import NotFound
from sight.personas.models import Persona
from sight.surveys.models import Survey, SurveyResponse
from sight.surveys.schemas import SEGMENT_FIELDS, Respondents

DEMOGRAPHIC_COLUMNS = (
    "age",
    "age_group",
    "gender",
    "location",
    "urban_rural",
    "education",
    "income_band",
    "income",
    "income_currency",
    "segment",
    "occupation",
)


async def get_survey(session: AsyncSession, survey_id: uuid.UUID) -> Survey:
    survey = await session.get(Survey, survey_id)
    if survey is None:
        raise NotFound("survey", survey_id)
    return survey


async def list_surveys(
    session: AsyncSession, project_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[tuple[Survey, int]], int]:
    counts = (
        select(SurveyResponse.survey_id, func.count().label("answered"))
        .group_by(SurveyResponse.survey_id)
        .subquery()
    )
    rows = await session.execute(
        select(Survey, func.coalesce(counts.c.answered, 0))
        .outerjoin(counts, counts.c.survey_id == Survey.id)
        .where(Survey.project_id == project_id)
        .order_by(Survey.created_at.desc())
        .limit(limit)
        .offset(offset)
    )
    total = await session.scalar(
        select(func.count()).select_from(Survey).where(Survey.project_id == project_id)
    )
    return [(survey, int(answered)) for survey, answered in rows.all()], int(total or 0)


async def answered_count(session: AsyncSession, survey_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.survey_id == survey_id)
        )
        or 0
    )


async def answered_persona_ids(
    session: AsyncSession, survey_id: uuid.UUID
) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(SurveyResponse.persona_id).where(SurveyResponse.survey_id == survey_id)
    )
    return set(rows)


def _respondent_filter(project_id: uuid.UUID, who: Respondents) -> Any:
    alive = and_(Persona.project_id == project_id, Persona.deleted_at.is_(None))
    if who.mode == "personas":
        return and_(alive, Persona.id.in_(who.persona_ids or []))
    if who.mode == "segments":
        segments = [
            and_(
                *(
                    getattr(Persona, field).in_(values)
                    for field, values in segment.filters.items()
                    if field in SEGMENT_FIELDS  # validated before; never a bad column
                )
            )
            for segment in who.segments or []
        ]
        return and_(alive, or_(*segments))
    return alive


async def respondent_ids(
    session: AsyncSession, project_id: uuid.UUID, who: Respondents
) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(Persona.id)
        .where(_respondent_filter(project_id, who))
        .order_by(Persona.created_at, Persona.slot, Persona.id)
    )
    return list(rows)


async def missing_persona_ids(
    session: AsyncSession, project_id: uuid.UUID, ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    """Requested personas that are not live personas of the project."""
    found = set(
        await session.scalars(
            select(Persona.id).where(
                Persona.id.in_(ids),
                Persona.project_id == project_id,
                Persona.deleted_at.is_(None),
            )
        )
    )
    return [i for i in ids if i not in found]


async def personas(session: AsyncSession, ids: list[uuid.UUID]) -> list[Persona]:
    rows = await session.scalars(select(Persona).where(Persona.id.in_(ids)))
    by_id = {p.id: p for p in rows}
    return [by_id[i] for i in ids if i in by_id]


async def insert_response(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Store one respondent's answers; False if it had already answered."""
    inserted = await session.scalar(
        insert(SurveyResponse)
        .values(**values)
        .on_conflict_do_nothing(constraint="uq_survey_responses_persona")
        .returning(SurveyResponse.id)
    )
    return inserted is not None


async def insert_responses(
    session: AsyncSession, rows: list[dict[str, Any]]
) -> set[uuid.UUID]:
    """Store several respondents' answers in one statement; returns the persona
    ids stored (one that had already answered is left out)."""
    if not rows:
        return set()
    stored = await session.scalars(
        insert(SurveyResponse)
        .values(rows)
        .on_conflict_do_nothing(constraint="uq_survey_responses_persona")
        .returning(SurveyResponse.persona_id)
    )
    return set(stored)


async def responses(
    session: AsyncSession, survey_id: uuid.UUID, *, limit: int | None = None
) -> list[SurveyResponse]:
    query = (
        select(SurveyResponse)
        .where(SurveyResponse.survey_id == survey_id)
        .order_by(SurveyResponse.created_at, SurveyResponse.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(await session.scalars(query))


async def respondent_records(
    session: AsyncSession,
    survey_id: uuid.UUID,
    *,
    excluding: Collection[uuid.UUID] = (),
) -> list[dict[str, Any]]:
    """What the statistics read: answers, details and demographics per
    respondent (but those in `excluding`, already read by the caller)."""
    query = (
        select(
            SurveyResponse.answers,
            SurveyResponse.details,
            SurveyResponse.demographics,
            SurveyResponse.persona_id,
        )
        .where(SurveyResponse.survey_id == survey_id)
        # One order for every reader: the themes' clustering depends on it.
        .order_by(SurveyResponse.created_at, SurveyResponse.id)
    )
    if excluding:
        # One array parameter, not one per respondent.
        query = query.where(
            SurveyResponse.persona_id
            != all_(cast(list(excluding), ARRAY(PG_UUID(as_uuid=True))))
        )
    rows = await session.execute(query)
    return [
        {
            "answers": answers,
            "details": details,
            "demographics": demographics,
            "persona_id": str(persona_id),
        }
        for answers, details, demographics, persona_id in rows.all()
    ]


async def delete_survey(session: AsyncSession, survey: Survey) -> None:
    await session.execute(delete(Survey).where(Survey.id == survey.id))
