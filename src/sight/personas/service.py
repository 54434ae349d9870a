"""Starting generation, reading, soft-deleting and summarising personas."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from sight.demographics import Target, build_joint, load_census, quota_sample
from sight.jobs.models import Job
from sight.jobs.service import create_job
from sight.kit.errors import NotFound, SightError
from sight.knowledge.models import Document, DocumentStatus
from sight.llm.config import price_table
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext, Estimate
from sight.personas import repository
from sight.personas.briefs import brief_groups
from sight.personas.models import Persona
from sight.personas.schemas import (
    CensusSource,
    DimensionSummary,
    DistributionRow,
    PersonaSummary,
)
from sight.personas.tasks import MAX_REPAIRS, new_seed
from sight.projects.models import Project
from sight.projects.repository import ProjectFields

if TYPE_CHECKING:
    import procrastinate

# Query parameter -> census dimension
FILTERS = {
    "age_group": "age_group",
    "gender": "gender",
    "location": "location",
    "urban_rural": "urban_rural",
    "education": "education",
    "income_band": "income",
}
# Segment briefs: at most one per segment (6 age groups x 2 sexes x 3 tiers).
MAX_SEGMENTS = 36
# A background story is about 1,000 characters: ~250 tokens to embed.
STORY_TOKENS = 250
# The plan of an estimate without a seed (segment counts hardly vary by seed).
ESTIMATE_SEED = 1


class InvalidFilter(SightError):
    """422 in the shape of request validation errors, with the allowed values."""

    status_code = 422

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(problems)

    @property
    def kind(self) -> str:
        return "ValidationError"


def _segments(project: Project, num_personas: int, seed: int) -> int:
    """Segment briefs the job will write for the plan it will draw (one per
    group of segments, see briefs.brief_groups)."""
    target = Target.model_validate(project.target_distribution)
    cells = quota_sample(build_joint(target), num_personas, seed)
    ages = load_census(project.country).dimensions["age_group"].category_keys
    groups = brief_groups((c.attributes for c in cells), age_order=ages)
    return len({g.name for g in groups.values()})


async def _embedding_estimate(
    gateway: LLMGateway, flow: str, calls: int, tokens: int
) -> Estimate:
    embedder = await gateway.embedder()
    prices = price_table()
    cost = prices.cost(embedder.name, embedder.model, tokens * calls, 0)
    return Estimate(
        flow=flow,
        provider=embedder.name,
        model=embedder.model,
        calls=calls,
        input_tokens=tokens * calls,
        output_tokens=0,
        usd=round(cost or 0.0, 6),
        priced=cost is not None,
        price_date=prices.as_of,
    )


async def estimate_generation(
    gateway: LLMGateway,
    ctx: CallContext,
    num_personas: int,
    *,
    session: AsyncSession | None = None,
    project: Project | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """Every call the run will make when no persona needs a repair: one
    enrichment per persona, one brief per segment of the plan (the job draws the
    same plan from the same seed), one embedding per story for the duplicate
    check, one for the stories already in the project, and one search per
    segment when the project has documents."""
    segments = min(num_personas, MAX_SEGMENTS)
    existing = documents = 0
    if project is not None:
        segments = await asyncio.to_thread(
            _segments, project, num_personas, ESTIMATE_SEED if seed is None else seed
        )
    if project is not None and session is not None:
        existing = await repository.count_alive(session, project.id)
        documents = int(
            await session.scalar(
                select(func.count())
                .select_from(Document)
                .where(
                    Document.project_id == project.id,
                    Document.status == DocumentStatus.ready,
                )
            )
            or 0
        )
    flows = [
        await gateway.estimate("personas.enrich", num_personas, ctx),
        await gateway.estimate("personas.segment_brief", segments, ctx),
        await _embedding_estimate(
            gateway,
            "personas.dedupe",
            num_personas + (1 if existing else 0),
            STORY_TOKENS,
        ),
    ]
    if documents:
        flows.append(
            await _embedding_estimate(gateway, "knowledge.embed", segments, 30)
        )
    return {
        "calls": sum(f.calls for f in flows),
        "input_tokens": sum(f.input_tokens for f in flows),
        "output_tokens": sum(f.output_tokens for f in flows),
        "usd": round(sum(f.usd for f in flows), 6),
        "priced": all(f.priced for f in flows[:2]),
        "price_date": flows[0].price_date,
        "flows": [f.model_dump() for f in flows],
        "segments": segments,
        # every persona repaired twice: one enrichment and one embedding each time
        "max_calls": sum(f.calls for f in flows) + 2 * MAX_REPAIRS * num_personas,
        "note": (
            "counts every call of a run without repairs; a persona that fails "
            "validation adds one enrichment and one embedding per repair (at most "
            "two); briefs already cached are not called again"
        ),
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
    seed = seed if seed is not None else new_seed()  # the estimate sees the job's plan
    estimate = await estimate_generation(
        gateway, ctx, num_personas, session=session, project=project, seed=seed
    )
    await gateway.ensure_budget(ctx, estimate["usd"])  # 402 before anything runs
    job = await create_job(
        session,
        queue_app,
        user_id=user_id,
        kind="personas.generate",
        project_id=project.id,
        params={"num_personas": num_personas, "seed": seed},
    )
    return job, estimate


async def list_personas(
    db: AsyncSession | AsyncConnection,
    project: ProjectFields,
    filters: dict[str, str],
    *,
    include_deleted: bool,
    limit: int,
    offset: int,
    summary: bool = False,
) -> tuple[Sequence[Any], int]:
    """A page of personas and the total: `Persona` objects (`db` a session),
    or with `summary` rows of the list's columns (`repository.LIST_COLUMNS`),
    on a session or a plain connection."""
    # The project the access check loaded: its country names the filter values.
    equal = resolve_filters(project.country, filters)
    if summary:
        return await repository.summary_page(
            db,
            project.id,
            equal,
            include_deleted=include_deleted,
            limit=limit,
            offset=offset,
        )
    if not isinstance(db, AsyncSession):
        raise TypeError("the full view loads Persona objects: it needs a session")
    return await repository.page(
        db,
        project.id,
        equal,
        include_deleted=include_deleted,
        limit=limit,
        offset=offset,
    )


def resolve_filters(country: str, filters: dict[str, str]) -> dict[str, str]:
    """Filter values as category keys; a label or alias in either language is
    accepted ("Kobieta", "25-34"), anything else is a 422 listing what is allowed."""
    census = load_census(country)
    resolved: dict[str, str] = {}
    problems: list[dict[str, Any]] = []
    for name, value in filters.items():
        dimension = census.dimensions[FILTERS[name]]
        key = dimension.resolve(value)
        if key is None:
            problems.append(
                {
                    "loc": ["query", name],
                    "field": name,
                    "msg": f"unknown {name} {value!r}; use one of the allowed values",
                    "type": "filter_value",
                    "allowed": dimension.category_keys,
                }
            )
        else:
            resolved[name] = key
    if problems:
        raise InvalidFilter(problems)
    return resolved


async def get_persona(session: AsyncSession, persona_id: uuid.UUID) -> Persona:
    """A persona by id (404 if missing); access is checked by the caller."""
    persona = await repository.get(session, persona_id)
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
    total = await repository.count_alive(session, project.id)
    distributions: dict[str, list[DistributionRow]] = {}
    dimensions: dict[str, DimensionSummary] = {}
    for dimension in repository.DIMENSION_COLUMNS:
        counts = await repository.counts_by_dimension(session, project.id, dimension)
        shares = target.get(dimension, {}).get("shares", {})
        data = census.dimensions[dimension]
        distributions[dimension] = [
            DistributionRow(
                category=category.key,
                label=str(getattr(category.labels, project.language)),
                count=counts.get(category.key, 0),
                share=round(counts.get(category.key, 0) / total, 4) if total else 0.0,
                target_share=round(float(shares.get(category.key, 0.0)), 4),
                census_share=round(category.share, 4),
                census_verified=category.verified,
            )
            for category in data.categories
        ]
        dimensions[dimension] = DimensionSummary(
            label=str(getattr(data.labels, project.language)),
            target_origin=target.get(dimension, {}).get("origin", "census"),
            census=CensusSource(
                status=data.status,
                verified=len(data.verified_keys),
                figures=len(data.categories),
                universe=data.universe,
                publisher=data.source.publisher,
                title=data.source.title,
                year=data.source.year,
                url=data.source.url,
            ),
        )
    return PersonaSummary(
        total=total,
        distributions=distributions,
        dimensions=dimensions,
        population=census.population,
        population_verified=census.population_verified,
        fit=project.fit_report,
    )
