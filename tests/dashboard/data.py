"""Rows a dashboard test needs, written straight to the test database with
known numbers (personas, studies, analyses, spend), so the test can check the
figures a user would read on the dashboard."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from sight.analysis.models import AnalysisResult
from sight.focus_groups.models import FocusGroup
from sight.jobs.models import Job
from sight.llm.models import LLMCall
from sight.personas.models import Persona
from sight.postgres import create_engine, create_sessionmaker, session_scope
from sight.projects.models import Project


@asynccontextmanager
async def db_session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            yield session
    finally:
        await engine.dispose()


def now() -> datetime:
    return datetime.now(UTC)


async def set_project(session: AsyncSession, project_id: str, **values: Any) -> None:
    await session.execute(
        update(Project).where(Project.id == uuid.UUID(project_id)).values(**values)
    )


async def set_budget_via_api(
    client: httpx.AsyncClient, auth: dict[str, str], usd: float
) -> None:
    """The user's monthly budget, set as the user does (the settings page)."""
    response = await client.put(
        "/api/v1/settings/llm", json={"monthly_budget_usd": usd}, headers=auth
    )
    assert response.status_code == 200, response.text


async def add_personas(session: AsyncSession, project_id: str, count: int) -> None:
    for slot in range(count):
        session.add(
            Persona(
                project_id=uuid.UUID(project_id),
                slot=slot,
                age=30,
                age_group="25-34",
                gender="female",
                location="Warszawa",
                urban_rural="urban",
                education="higher",
                income_band="middle",
                income=6000,
                income_currency="PLN",
                full_name=f"Persona {slot}",
                occupation="analyst",
                profile={},
                language="pl",
                segment="urban",
                generated_by="offline-engine",
                prompt_version="test",
                citations=[],
                validation={},
            )
        )
    await session.flush()


def insight(title: str, kind: str = "opportunity") -> dict[str, Any]:
    return {
        "type": kind,
        "title": title,
        "insight": f"{title}: what the personas said.",
        "confidence": 0.8,
        "evidence": [{"quote": "q1"}, {"quote": "q2"}],
    }


async def add_analysed_group(
    session: AsyncSession,
    project_id: str,
    *,
    insights: list[dict[str, Any]],
    at: datetime,
    concepts: dict[str, int] | None = None,
    sentiment: tuple[int, int, int] = (0, 0, 0),
    name: str = "Group",
) -> uuid.UUID:
    group = FocusGroup(
        project_id=uuid.UUID(project_id),
        name=name,
        persona_ids=[],
        questions=[{"text": "Why?"}],
        language="pl",
        mode="normal",
        wave_size=5,
        status="completed",
        completed_at=at,
    )
    session.add(group)
    await session.flush()
    rows = [
        ("summary", {"key_insights": insights}),
        (
            "sentiment",
            {
                "overall": dict(
                    zip(("positive", "neutral", "negative"), sentiment, strict=True)
                )
            },
        ),
        (
            "concept_graph",
            {
                "nodes": [
                    {"concept": c, "mentions": n, "contested": 0.1}
                    for c, n in (concepts or {}).items()
                ]
            },
        ),
    ]
    for kind, content in rows:
        session.add(
            AnalysisResult(
                focus_group_id=group.id,
                project_id=uuid.UUID(project_id),
                kind=kind,
                content=content,
                generated_by="offline-engine",
                created_at=at,
                updated_at=at,
            )
        )
    await session.flush()
    return group.id


async def add_failed_job(
    session: AsyncSession, user_id: str, project_id: str, kind: str
) -> None:
    session.add(
        Job(
            user_id=uuid.UUID(user_id),
            project_id=uuid.UUID(project_id),
            kind=kind,
            status="failed",
            params={},
            checkpoint={},
            error="the provider rejected the key",
            finished_at=now(),
        )
    )
    await session.flush()


async def add_spend(
    session: AsyncSession,
    user_id: str,
    usd: float,
    *,
    project_id: str | None = None,
    flow: str = "personas.enrich",
    at: datetime | None = None,
) -> None:
    session.add(
        LLMCall(
            user_id=uuid.UUID(user_id),
            project_id=uuid.UUID(project_id) if project_id else None,
            flow=flow,
            provider="openai",
            model="gpt-test",
            input_tokens=1000,
            output_tokens=500,
            cost_usd=usd,
            outcome="ok",
            created_at=at or now(),
        )
    )
    await session.flush()


def hours_ago(hours: float) -> datetime:
    return now() - timedelta(hours=hours)
