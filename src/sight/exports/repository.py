"""SQL of exports: reads across the domains' tables that no domain asks for
itself (a persona's answers everywhere, a project's model usage), and the
stored files of report jobs."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sight.exports.models import ExportFile
from sight.focus_groups.models import FocusGroup, FocusGroupResponse
from sight.knowledge.models import Document
from sight.llm.models import LLMCall
from sight.personas.models import Persona
from sight.surveys.models import Survey, SurveyResponse


async def alive_personas(session: AsyncSession, project_id: uuid.UUID) -> list[Persona]:
    rows = await session.scalars(
        select(Persona)
        .where(Persona.project_id == project_id, Persona.deleted_at.is_(None))
        .order_by(Persona.created_at, Persona.slot)
    )
    return list(rows)


async def groups_of(session: AsyncSession, project_id: uuid.UUID) -> list[FocusGroup]:
    rows = await session.scalars(
        select(FocusGroup)
        .where(FocusGroup.project_id == project_id)
        .order_by(FocusGroup.created_at)
    )
    return list(rows)


async def surveys_of(session: AsyncSession, project_id: uuid.UUID) -> list[Survey]:
    rows = await session.scalars(
        select(Survey)
        .where(Survey.project_id == project_id)
        .order_by(Survey.created_at)
    )
    return list(rows)


async def persona_turns(
    session: AsyncSession, persona_id: uuid.UUID
) -> list[tuple[FocusGroup, FocusGroupResponse]]:
    rows = await session.execute(
        select(FocusGroup, FocusGroupResponse)
        .join(FocusGroup, FocusGroup.id == FocusGroupResponse.focus_group_id)
        .where(
            FocusGroupResponse.persona_id == persona_id,
            FocusGroupResponse.status == "ok",
        )
        .order_by(
            FocusGroup.created_at,
            FocusGroupResponse.question_index,
            FocusGroupResponse.round,
        )
    )
    return [(g, r) for g, r in rows.all()]


async def persona_survey_answers(
    session: AsyncSession, persona_id: uuid.UUID
) -> list[tuple[Survey, SurveyResponse]]:
    rows = await session.execute(
        select(Survey, SurveyResponse)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(SurveyResponse.persona_id == persona_id)
        .order_by(Survey.created_at)
    )
    return [(s, r) for s, r in rows.all()]


async def documents(session: AsyncSession, project_id: uuid.UUID) -> list[Document]:
    rows = await session.scalars(
        select(Document)
        .where(Document.project_id == project_id)
        .order_by(Document.created_at)
    )
    return list(rows)


async def usage(session: AsyncSession, project_id: uuid.UUID) -> list[dict[str, Any]]:
    """Model calls of the project by flow, provider and model (every user's)."""
    rows = await session.execute(
        select(
            LLMCall.flow,
            LLMCall.provider,
            LLMCall.model,
            func.count().label("calls"),
            func.count().filter(LLMCall.cache_hit).label("cache_hits"),
            func.coalesce(func.sum(LLMCall.input_tokens), 0).label("input_tokens"),
            func.coalesce(func.sum(LLMCall.output_tokens), 0).label("output_tokens"),
            func.coalesce(func.sum(LLMCall.cost_usd), 0).label("cost_usd"),
        )
        .where(LLMCall.project_id == project_id)
        .group_by(LLMCall.flow, LLMCall.provider, LLMCall.model)
        .order_by(LLMCall.flow, LLMCall.provider, LLMCall.model)
    )
    return [
        {
            "flow": flow,
            "provider": provider,
            "model": model,
            "calls": int(calls),
            "cache_hits": int(hits),
            "input_tokens": int(tokens_in),
            "output_tokens": int(tokens_out),
            "cost_usd": round(float(cost), 6),
        }
        for flow, provider, model, calls, hits, tokens_in, tokens_out, cost in rows
    ]


async def save_file(session: AsyncSession, file: ExportFile) -> None:
    existing = await session.scalar(
        select(ExportFile.id).where(ExportFile.job_id == file.job_id)
    )
    if existing is None:
        session.add(file)
        await session.flush()


async def get_file(session: AsyncSession, export_id: uuid.UUID) -> ExportFile | None:
    return await session.get(ExportFile, export_id)


async def file_of_job(session: AsyncSession, job_id: uuid.UUID) -> ExportFile | None:
    row: ExportFile | None = await session.scalar(
        select(ExportFile).where(ExportFile.job_id == job_id)
    )
    return row


async def survey_generated_by(
    session: AsyncSession, survey_id: uuid.UUID
) -> dict[str, int]:
    """Who wrote a survey's answers, and how many."""
    rows = await session.execute(
        select(SurveyResponse.generated_by, func.count())
        .where(SurveyResponse.survey_id == survey_id)
        .group_by(SurveyResponse.generated_by)
    )
    return {str(by): int(n) for by, n in rows.all()}
