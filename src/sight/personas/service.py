"""Starting generation, reading, soft-deleting and summarising personas."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import procrastinate
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sight.demographics import load_census
from sight.jobs.models import Job
from sight.jobs.service import create_job
from sight.kit.errors import NotFound
from sight.kit.pagination import paginate
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.personas.models import Persona
from sight.personas.schemas import DistributionRow, PersonaSummary
from sight.personas.tasks import new_seed
from sight.projects.models import Project

FILTERS = ("age_group", "gender", "location", "urban_rural", "education", "income_band")
# Segment briefs: at most one per segment (6 age groups x 2 sexes x 3 tiers).
MAX_SEGMENTS = 36


async def estimate_generation(
    gateway: LLMGateway, ctx: CallContext, num_personas: int
) -> dict[str, Any]:
    enrich = await gateway.estimate("personas.enrich", num_personas, ctx)
    briefs = await gateway.estimate(
        "personas.segment_brief", min(num_personas, MAX_SEGMENTS), ctx
    )
    return {
        "calls": enrich.calls + briefs.calls,
        "input_tokens": enrich.input_tokens + briefs.input_tokens,
        "output_tokens": enrich.output_tokens + briefs.output_tokens,
        "usd": round(enrich.usd + briefs.usd, 6),
        "priced": enrich.priced and briefs.priced,
        "price_date": enrich.price_date,
        "flows": [enrich.model_dump(), briefs.model_dump()],
        "note": "upper bound for briefs; validation repairs may add calls",
    }


async def start_generation(
    session: AsyncSession,
    queue_app: procrastinate.App,
    gateway: LLMGateway,
    project: Project,
    user_id: uuid.UUID,
    num_personas: int,
    seed: int | None,
) -> tuple[Job, dict[str, Any]]:
    ctx = CallContext(user_id=user_id, project_id=project.id)
    estimate = await estimate_generation(gateway, ctx, num_personas)
    await gateway.ensure_budget(ctx, estimate["usd"])  # 402 before anything runs
    job = await create_job(
        session,
        queue_app,
        user_id=user_id,
        kind="personas.generate",
        project_id=project.id,
        params={
            "num_personas": num_personas,
            "seed": seed if seed is not None else new_seed(),
        },
    )
    return job, estimate


async def list_personas(
    session: AsyncSession,
    project_id: uuid.UUID,
    filters: dict[str, str],
    *,
    include_deleted: bool,
    limit: int,
    offset: int,
) -> tuple[list[Persona], int]:
    conditions = [Persona.project_id == project_id]
    if not include_deleted:
        conditions.append(Persona.deleted_at.is_(None))
    for name, value in filters.items():
        conditions.append(getattr(Persona, name) == value)
    return await paginate(
        session,
        Persona,
        *conditions,
        order_by=[Persona.created_at, Persona.slot],
        limit=limit,
        offset=offset,
    )


async def get_persona(session: AsyncSession, persona_id: uuid.UUID) -> Persona:
    """A persona by id (404 if missing); access is checked by the caller."""
    persona = await session.get(Persona, persona_id)
    if persona is None:
        raise NotFound("persona", persona_id)
    return persona


async def soft_delete(session: AsyncSession, persona: Persona) -> Persona:
    persona.deleted_at = datetime.now(UTC)
    await session.flush()
    return persona


async def restore(session: AsyncSession, persona: Persona) -> Persona:
    persona.deleted_at = None
    await session.flush()
    return persona


async def summary(session: AsyncSession, project: Project) -> PersonaSummary:
    census = load_census(project.country)
    target = project.target_distribution.get("dimensions", {})
    columns = {
        "age_group": Persona.age_group,
        "gender": Persona.gender,
        "location": Persona.location,
        "urban_rural": Persona.urban_rural,
        "education": Persona.education,
        "income": Persona.income_band,
    }
    alive = (Persona.project_id == project.id, Persona.deleted_at.is_(None))
    total = int(
        await session.scalar(select(func.count()).select_from(Persona).where(*alive))
        or 0
    )
    distributions: dict[str, list[DistributionRow]] = {}
    for dimension, column in columns.items():
        result = await session.execute(
            select(column, func.count()).where(*alive).group_by(column)
        )
        counts = {key: count for key, count in result.all()}
        shares = target.get(dimension, {}).get("shares", {})
        distributions[dimension] = [
            DistributionRow(
                category=category.key,
                label=str(getattr(category.labels, project.language)),
                count=counts.get(category.key, 0),
                share=round(counts.get(category.key, 0) / total, 4) if total else 0.0,
                target_share=round(float(shares.get(category.key, 0.0)), 4),
            )
            for category in census.dimensions[dimension].categories
        ]
    return PersonaSummary(
        total=total, distributions=distributions, fit=project.fit_report
    )
