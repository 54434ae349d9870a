"""Segment briefs: one strong-model description per demographic segment, grounded
in the project's documents when it has any, cached for 7 days (Redis when
configured, PostgreSQL otherwise). Personas of the same segment share a brief,
so N personas cost far fewer strong-model calls than N."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError
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


def segment_labels(
    segment: dict[str, str], census: Census, language: str
) -> dict[str, str]:
    labels: dict[str, str] = {}
    for dimension in ("age_group", "gender"):
        category = next(
            c
            for c in census.dimensions[dimension].categories
            if c.key == segment[dimension]
        )
        labels[dimension] = getattr(category.labels, language)
    labels["education"] = segment["education_tier"]
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
    project_id: uuid.UUID, segment: dict[str, str], language: str, grounding: str
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
    segment: dict[str, str],
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
