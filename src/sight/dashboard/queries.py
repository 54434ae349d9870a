"""The dashboard's SQL: a few aggregate queries over the projects a user may
read (`sight.projects.access.visible_projects`), each returning plain rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, cast, func, select
from sqlalchemy.dialects.postgresql import JSONPATH, distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from sight.analysis.models import AnalysisResult
from sight.auth.models import User
from sight.dashboard.models import InsightMark
from sight.focus_groups.models import FocusGroup
from sight.jobs.models import Job
from sight.llm.models import LLMCall
from sight.personas.models import Persona
from sight.projects.access import visible_projects
from sight.projects.models import Project
from sight.surveys.models import Survey

QUIET_JOB_KINDS = ("focus_groups.remember", "surveys.shard")
_LOOSE = '$.dimensions[*] ? (@.verdict != "pass" && @.within_rounding == false)'


@dataclass
class ProjectRow:
    id: uuid.UUID
    name: str
    created_at: datetime
    updated_at: datetime
    verdict: str | None
    # A dimension neither passing its test nor as exact as whole personas allow.
    loose: bool
    budget_usd: float | None
    personas: int = 0
    personas_last: datetime | None = None
    spend_month: float = 0.0
    first_analysis: datetime | None = None


@dataclass
class Facts:
    """Everything the snapshot is computed from."""

    projects: dict[uuid.UUID, ProjectRow]
    persona_days: list[tuple[datetime, int]]
    groups: list[Any]
    surveys: list[Any]
    results: list[Any]
    jobs: list[Any]
    marks: dict[tuple[uuid.UUID, str], datetime]
    spend_days: list[tuple[datetime, float, int]]
    spend_by_route: list[tuple[str, str, float, int]]
    extra: dict[str, Any] = field(default_factory=dict)


def _visible_ids(user: User) -> ScalarSelect[uuid.UUID]:
    return select(Project.id).where(visible_projects(user)).scalar_subquery()


async def gather(
    session: AsyncSession, user: User, *, since: datetime, month: datetime
) -> Facts:
    """`since`: the oldest day the weekly charts show; `month`: its first instant."""
    ids = _visible_ids(user)
    projects: dict[uuid.UUID, ProjectRow] = {}
    for row in await session.execute(
        select(
            Project.id,
            Project.name,
            Project.created_at,
            Project.updated_at,
            Project.fit_report["verdict"].astext,
            Project.budget_usd,
            func.jsonb_path_exists(Project.fit_report, cast(_LOOSE, JSONPATH)),
        ).where(visible_projects(user))
    ):
        projects[row[0]] = ProjectRow(
            id=row[0],
            name=row[1],
            created_at=row[2],
            updated_at=row[3],
            verdict=row[4],
            budget_usd=float(row[5]) if row[5] is not None else None,
            loose=bool(row[6]),
        )
    if not projects:
        return Facts(projects, [], [], [], [], [], {}, [], [])

    alive = Persona.deleted_at.is_(None)
    for project_id, count, last in await session.execute(
        select(Persona.project_id, func.count(), func.max(Persona.created_at))
        .where(Persona.project_id.in_(ids), alive)
        .group_by(Persona.project_id)
    ):
        projects[project_id].personas = int(count)
        projects[project_id].personas_last = last
    day = func.date_trunc("day", Persona.created_at)
    persona_days = [
        (d, int(n))
        for d, n in await session.execute(
            select(day, func.count())
            .where(Persona.project_id.in_(ids), alive, Persona.created_at >= since)
            .group_by(day)
        )
    ]

    groups = list(
        await session.execute(
            select(
                FocusGroup.id,
                FocusGroup.project_id,
                FocusGroup.name,
                FocusGroup.status,
                FocusGroup.created_at,
                FocusGroup.updated_at,
                FocusGroup.completed_at,
            ).where(FocusGroup.project_id.in_(ids))
        )
    )
    surveys = list(
        await session.execute(
            select(
                Survey.id,
                Survey.project_id,
                Survey.title,
                Survey.status,
                Survey.created_at,
                Survey.updated_at,
            ).where(Survey.project_id.in_(ids))
        )
    )
    content = AnalysisResult.content
    results = list(
        await session.execute(
            select(
                AnalysisResult.focus_group_id,
                AnalysisResult.project_id,
                AnalysisResult.kind,
                AnalysisResult.created_at,
                AnalysisResult.generated_by,
                content["key_insights"],
                content["overall"],
                content["nodes"],
            ).where(AnalysisResult.project_id.in_(ids))
        )
    )
    for project_id, first in await session.execute(
        select(AnalysisResult.project_id, func.min(AnalysisResult.created_at))
        .where(AnalysisResult.project_id.in_(ids))
        .group_by(AnalysisResult.project_id)
    ):
        projects[project_id].first_analysis = first

    target = func.coalesce(
        Job.params["focus_group_id"].astext,
        Job.params["survey_id"].astext,
        Job.params["document_id"].astext,
        "",
    )
    # The latest job per project, kind and target: an earlier failure that a
    # later run repaired is no longer a blocker.
    jobs = list(
        await session.execute(
            select(
                Job.project_id,
                Job.kind,
                Job.status,
                Job.error,
                Job.params,
                Job.finished_at,
            )
            .where(Job.project_id.in_(ids), Job.kind.not_in(QUIET_JOB_KINDS))
            .ext(distinct_on(Job.project_id, Job.kind, target))
            .order_by(Job.project_id, Job.kind, target, Job.created_at.desc())
        )
    )

    summary_groups = [r[0] for r in results if r[2] == "summary"]
    marks: dict[tuple[uuid.UUID, str], datetime] = {}
    if summary_groups:
        for group_id, key, at in await session.execute(
            select(
                InsightMark.focus_group_id,
                InsightMark.insight_key,
                InsightMark.adopted_at,
            ).where(InsightMark.focus_group_id.in_(summary_groups))
        ):
            marks[(group_id, key)] = at

    for spent_on, spent in await session.execute(
        select(LLMCall.project_id, func.sum(LLMCall.cost_usd))
        .where(LLMCall.project_id.in_(ids), LLMCall.created_at >= month)
        .group_by(LLMCall.project_id)
    ):
        if spent_on in projects:
            projects[spent_on].spend_month = float(spent or 0)

    oldest = min(since, month)
    call_day = func.date_trunc("day", LLMCall.created_at)
    tokens = LLMCall.input_tokens + LLMCall.output_tokens
    spend_days = [
        (d, float(c or 0), int(t or 0))
        for d, c, t in await session.execute(
            select(call_day, func.sum(LLMCall.cost_usd), func.sum(tokens))
            .where(LLMCall.user_id == user.id, LLMCall.created_at >= oldest)
            .group_by(call_day)
        )
    ]
    spend_by_route = [
        (flow, f"{provider}:{model}", float(c or 0), int(t or 0))
        for flow, provider, model, c, t in await session.execute(
            select(
                LLMCall.flow,
                LLMCall.provider,
                LLMCall.model,
                func.sum(LLMCall.cost_usd),
                func.sum(tokens),
            )
            .where(LLMCall.user_id == user.id, LLMCall.created_at >= month)
            .group_by(LLMCall.flow, LLMCall.provider, LLMCall.model)
        )
    ]
    return Facts(
        projects,
        persona_days,
        groups,
        surveys,
        results,
        jobs,
        marks,
        spend_days,
        spend_by_route,
    )
