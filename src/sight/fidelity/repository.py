"""The fidelity domain's queries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sight.fidelity.models import (
    FidelityResponse,
    FidelityRun,
    FidelityStudy,
    RunStatus,
)
from sight.kit.errors import NotFound
from sight.llm.models import LLMCall

ANSWER_FLOWS = ("surveys.answer", "surveys.repair")


async def get_run(session: AsyncSession, run_id: uuid.UUID) -> FidelityRun:
    run = await session.get(FidelityRun, run_id)
    if run is None:
        raise NotFound("fidelity run", run_id)
    return run


async def get_study(session: AsyncSession, study_id: uuid.UUID) -> FidelityStudy:
    study = await session.get(FidelityStudy, study_id)
    if study is None:
        raise NotFound("study", study_id)
    return study


async def runs_of_project(
    session: AsyncSession, project_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[FidelityRun], int]:
    where = FidelityRun.project_id == project_id
    total = await session.scalar(select(func.count()).where(where)) or 0
    rows = await session.scalars(
        select(FidelityRun)
        .where(where)
        .order_by(FidelityRun.created_at.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total)


async def studies_of_project(
    session: AsyncSession, project_id: uuid.UUID
) -> list[FidelityStudy]:
    rows = await session.scalars(
        select(FidelityStudy)
        .where(FidelityStudy.project_id == project_id)
        .order_by(FidelityStudy.created_at.desc())
    )
    return list(rows)


async def answered_keys(session: AsyncSession, run_id: uuid.UUID) -> set[str]:
    rows = await session.scalars(
        select(FidelityResponse.respondent).where(FidelityResponse.run_id == run_id)
    )
    return set(rows)


async def insert_response(session: AsyncSession, values: dict[str, Any]) -> bool:
    """False when this respondent already answered (a resumed run)."""
    result = await session.execute(
        insert(FidelityResponse)
        .values(**values)
        .on_conflict_do_nothing(constraint="uq_fidelity_responses_respondent")
        .returning(FidelityResponse.id)
    )
    return result.scalar_one_or_none() is not None


async def responses(
    session: AsyncSession, run_id: uuid.UUID
) -> list[tuple[str, dict[str, Any], str]]:
    rows = await session.execute(
        select(
            FidelityResponse.group_id,
            FidelityResponse.answers,
            FidelityResponse.generated_by,
        ).where(FidelityResponse.run_id == run_id)
    )
    return [(g, a, by) for g, a, by in rows]


async def usage(
    session: AsyncSession,
    *,
    job_id: uuid.UUID | None,
    since: datetime,
) -> tuple[int, float]:
    """Model calls and their cost for a run: by its job, or (a command-line run,
    which has no job) the keyless answering calls since it started."""
    query = select(func.count(), func.coalesce(func.sum(LLMCall.cost_usd), 0)).where(
        LLMCall.flow.in_(ANSWER_FLOWS)
    )
    if job_id is not None:
        query = query.where(LLMCall.job_id == job_id)
    else:
        query = query.where(
            LLMCall.job_id.is_(None),
            LLMCall.user_id.is_(None),
            LLMCall.created_at >= since,
        )
    calls, cost = (await session.execute(query)).one()
    return int(calls), float(cost)


async def latest_completed(
    session: AsyncSession, *, model: str, country: str
) -> FidelityRun | None:
    return await session.scalar(
        select(FidelityRun)
        .where(
            FidelityRun.model == model,
            FidelityRun.country == country,
            FidelityRun.status == RunStatus.completed,
            FidelityRun.score.is_not(None),
        )
        .order_by(FidelityRun.finished_at.desc().nulls_last())
        .limit(1)
    )
