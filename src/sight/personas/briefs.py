"""Segment briefs: one strong-model description per group of demographic
segments, grounded in the project's documents when it has any, cached for 7 days
(Redis when configured, PostgreSQL otherwise).

A brief is worth a call only when several personas share it: segments (age
group x sex x education tier) with fewer than `MIN_PERSONAS_PER_BRIEF` personas
in the plan are merged into groups (`brief_groups`), first across education
within the same age group and sex, then across sex within the age group, then
into a neighbouring age group. 20 personas need 4-6 briefs instead of 13-14;
200 personas keep about one brief per segment."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from sight.demographics import Census
from sight.llm.gateway import LLMGateway
from sight.llm.types import CallContext
from sight.personas.models import SegmentBrief
from sight.personas.schemas import SegmentBriefOutput
from sight.postgres import SessionMaker, session_scope
from sight.prompts import personas as prompts

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("sight.personas")
_REDIS_DOWN = "brief cache: Redis unavailable (%s); using PostgreSQL"

BRIEF_TTL = timedelta(days=7)
_TIERS = {
    "tertiary": "higher",
    "bachelors": "higher",
    "advanced": "higher",
    "primary_or_less": "basic",
    "basic_vocational": "basic",
    "less_than_high_school": "basic",
}


def segment_of(attributes: dict[str, str]) -> dict[str, str]:
    """The segment a persona belongs to: age group, sex and education tier."""
    return {
        "age_group": attributes["age_group"],
        "gender": attributes["gender"],
        "education_tier": _TIERS.get(attributes["education"], "middle"),
    }


def segment_name(segment: dict[str, str]) -> str:
    return f"{segment['age_group']}/{segment['gender']}/{segment['education_tier']}"


MIN_PERSONAS_PER_BRIEF = 4
_DIMENSIONS = ("age_group", "gender", "education_tier")
_TIER_ORDER = ("higher", "middle", "basic")


@dataclass(frozen=True)
class BriefGroup:
    """Segments that share one brief; `segment` describes them all (a value, or
    a list of values where the group spans several)."""

    name: str
    segments: tuple[str, ...]
    segment: dict[str, Any]


def brief_groups(
    attributes: Iterable[dict[str, str]],
    min_personas: int = MIN_PERSONAS_PER_BRIEF,
    age_order: Sequence[str] = (),
) -> dict[str, BriefGroup]:
    """Each planned segment's brief group (by segment name). Deterministic for a
    plan, so a resumed job finds the same groups (and the cached briefs)."""
    counts: dict[str, int] = {}
    parts: dict[str, dict[str, str]] = {}
    for a in attributes:
        segment = segment_of(a)
        name = segment_name(segment)
        counts[name] = counts.get(name, 0) + 1
        parts[name] = segment
    ages = [*age_order, *sorted({s["age_group"] for s in parts.values()})]
    ages = [
        a
        for a in dict.fromkeys(ages)
        if any(s["age_group"] == a for s in parts.values())
    ]
    groups: list[list[str]] = []
    carried: list[str] = []  # small segments waiting for company
    for age in ages:
        age_small: list[str] = []
        for gender in sorted(
            {s["gender"] for s in parts.values() if s["age_group"] == age}
        ):
            names = sorted(
                (
                    n
                    for n, s in parts.items()
                    if (s["age_group"], s["gender"]) == (age, gender)
                ),
                key=lambda n: (
                    _TIER_ORDER.index(parts[n]["education_tier"])
                    if parts[n]["education_tier"] in _TIER_ORDER
                    else len(_TIER_ORDER)
                ),
            )
            small = [n for n in names if counts[n] < min_personas]
            groups.extend([n] for n in names if counts[n] >= min_personas)
            if sum(counts[n] for n in small) >= min_personas:
                groups.append(small)
            else:
                age_small.extend(small)
        pool = carried + age_small
        if sum(counts[n] for n in pool) >= min_personas:
            groups.append(pool)
            carried = []
        else:
            carried = pool
    if carried:
        if groups:
            # too few left for a brief of their own: they join the smallest
            # group of the nearest age (the last one formed)
            last_age = parts[carried[-1]]["age_group"]
            near = [
                g for g in groups if parts[g[0]]["age_group"] == last_age
            ] or groups[-1:]
            smallest = min(near, key=lambda g: sum(counts[n] for n in g))
            smallest.extend(carried)
        else:
            groups.append(carried)
    result: dict[str, BriefGroup] = {}
    for members in groups:
        described: dict[str, Any] = {}
        for dimension in _DIMENSIONS:
            values = list(dict.fromkeys(parts[n][dimension] for n in members))
            described[dimension] = values[0] if len(values) == 1 else values
        group = BriefGroup("+".join(members), tuple(members), described)
        for name in members:
            result[name] = group
    return result


def _values(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def segment_labels(
    segment: dict[str, Any], census: Census, language: str
) -> dict[str, str]:
    """Labels of a segment or a group of segments (values joined by commas)."""
    labels: dict[str, str] = {}
    for dimension in ("age_group", "gender"):
        names = []
        for key in _values(segment[dimension]):
            category = next(
                c for c in census.dimensions[dimension].categories if c.key == key
            )
            names.append(str(getattr(category.labels, language)))
        labels[dimension] = ", ".join(names)
    labels["education"] = ", ".join(_values(segment["education_tier"]))
    return labels


@dataclass(frozen=True)
class Brief:
    summary: str
    details: dict[str, Any]
    citations: list[dict[str, Any]]
    generated_by: str


class BriefCache:
    """Segment briefs for 7 days: in Redis when configured, else PostgreSQL.

    A cache never fails a job: while Redis does not answer, PostgreSQL serves.
    """

    def __init__(self, sessionmaker: SessionMaker, redis: Redis | None) -> None:
        self._sessionmaker = sessionmaker
        self._redis = redis

    async def get(self, key: str) -> Brief | None:
        if self._redis is not None:
            # Imported here: redis is loaded only where it is configured.
            from redis.exceptions import RedisError

            try:
                raw = await self._redis.get(f"sight:brief:{key}")
            except (RedisError, OSError) as exc:
                logger.warning(
                    "brief cache: Redis unavailable (%s)", type(exc).__name__
                )
            else:
                return Brief(**json.loads(raw)) if raw else None
        async with self._sessionmaker() as session:
            row = await session.scalar(
                select(SegmentBrief).where(
                    SegmentBrief.key == key, SegmentBrief.expires_at > datetime.now(UTC)
                )
            )
        return Brief(**row.brief) if row else None

    async def put(self, key: str, project_id: uuid.UUID, brief: Brief) -> None:
        payload = brief.__dict__
        if self._redis is not None:
            from redis.exceptions import RedisError

            try:
                await self._redis.set(
                    f"sight:brief:{key}",
                    json.dumps(payload, ensure_ascii=False),
                    ex=int(BRIEF_TTL.total_seconds()),
                )
            except (RedisError, OSError) as exc:
                logger.warning(
                    "brief cache: Redis unavailable (%s)", type(exc).__name__
                )
            else:
                return
        async with session_scope(self._sessionmaker) as session:
            await session.execute(
                delete(SegmentBrief).where(SegmentBrief.expires_at <= datetime.now(UTC))
            )
            await session.execute(
                insert(SegmentBrief)
                .values(
                    key=key,
                    project_id=project_id,
                    brief=payload,
                    expires_at=datetime.now(UTC) + BRIEF_TTL,
                )
                .on_conflict_do_nothing(index_elements=["key"])
            )


def brief_key(
    project_id: uuid.UUID, segment: dict[str, Any], language: str, grounding: str
) -> str:
    material = json.dumps(
        [str(project_id), segment, language, grounding, prompts.PROMPT_VERSION],
        sort_keys=True,
    )
    return hashlib.sha256(material.encode()).hexdigest()


async def write_brief(
    gateway: LLMGateway,
    ctx: CallContext,
    *,
    segment: dict[str, Any],
    labels: dict[str, str],
    country: str,
    language: str,
    research_goal: str,
    documents: list[dict[str, Any]],
) -> Brief:
    facts = {
        "segment": {**segment, "labels": labels},
        "country": country,
        "language": language,
    }
    result = await gateway.generate(
        "personas.segment_brief",
        SegmentBriefOutput,
        system=prompts.SEGMENT_BRIEF_SYSTEM,
        prompt=prompts.segment_brief_prompt(facts, research_goal, documents),
        ctx=ctx,
        prompt_version=prompts.PROMPT_VERSION,
    )
    citations: list[dict[str, Any]] = [
        {k: v for k, v in d.items() if k != "text"} for d in documents
    ]
    return Brief(
        summary=result.output.summary,
        details=result.output.model_dump(),
        citations=citations,
        generated_by=result.generated_by,
    )
