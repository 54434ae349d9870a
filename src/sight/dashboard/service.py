"""Answering from the snapshot: load a section, recompute on a miss or when
the user's visible projects changed, and the adopted mark on insights."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import anyio
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sight.analysis.models import AnalysisResult, ResultKind
from sight.auth.models import User
from sight.config import LLMSettings
from sight.dashboard.compute import WEEKS, build_snapshot, insight_key
from sight.dashboard.models import InsightMark
from sight.dashboard.queries import gather
from sight.dashboard.schemas import DashboardSnapshot, InsightHighlight
from sight.dashboard.store import SECTIONS, SnapshotStore
from sight.focus_groups.models import FocusGroup
from sight.kit.errors import NotFound
from sight.llm.budget import month_start, user_limit
from sight.llm.policies import LLMPolicies
from sight.notifications.service import preferences
from sight.projects.access import authorize_project, visible_projects
from sight.projects.models import Project


async def fingerprint(session: AsyncSession, user: User) -> str:
    """Changes when a visible project is added, removed or edited: a snapshot
    with another fingerprint is recomputed, so a new project shows at once."""
    count, latest = (
        await session.execute(
            select(func.count(), func.max(Project.updated_at)).where(
                visible_projects(user)
            )
        )
    ).one()
    return f"{count}:{latest.isoformat() if latest else '-'}"


async def compute(
    session: AsyncSession,
    user: User,
    *,
    policies: LLMPolicies,
    llm_settings: LLMSettings,
    now: datetime | None = None,
) -> DashboardSnapshot:
    now = now or datetime.now(UTC)
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    facts = await gather(
        session,
        user,
        since=monday - timedelta(weeks=WEEKS - 1),
        month=month_start(now),
    )
    budget = await user_limit(session, policies, llm_settings, user.id)
    prefs = await preferences(session, user.id)
    # Plain Python over the user's rows: off the event loop.
    return await anyio.to_thread.run_sync(
        lambda: build_snapshot(
            facts,
            user_id=user.id,
            budget_usd=budget,
            warning=prefs.warning_threshold,
            critical=prefs.critical_threshold,
            now=now,
        )
    )


async def refresh(
    store: SnapshotStore,
    session: AsyncSession,
    user: User,
    *,
    policies: LLMPolicies,
    llm_settings: LLMSettings,
    read: bool,
) -> dict[str, str]:
    """Compute and store the user's snapshot; returns its sections as JSON."""
    stamp = await fingerprint(session, user)
    snapshot = await compute(
        session, user, policies=policies, llm_settings=llm_settings
    )
    data = snapshot.model_dump(mode="json")
    sections = {
        name: json.dumps(data[name], separators=(",", ":")) for name in SECTIONS
    }
    project_ids = [p.id for p in snapshot.health.projects]
    await store.save(user.id, sections, stamp, project_ids, read=read)
    return sections


async def section(
    store: SnapshotStore,
    session: AsyncSession,
    user: User,
    name: str,
    *,
    policies: LLMPolicies,
    llm_settings: LLMSettings,
) -> str:
    """One section of the user's snapshot as JSON text (computed on a miss)."""
    if store.separate_connection:
        # Redis and PostgreSQL answer at the same time: one round trip of wait.
        hit, stamp = await asyncio.gather(
            store.load(user.id, name), fingerprint(session, user)
        )
    else:
        hit = await store.load(user.id, name)
        stamp = await fingerprint(session, user) if hit is not None else ""
    if hit is not None and hit[1] == stamp:
        return hit[0]
    sections = await refresh(
        store, session, user, policies=policies, llm_settings=llm_settings, read=True
    )
    return sections[name]


# ---- the adopted mark -----------------------------------------------------------


async def set_adopted(
    session: AsyncSession,
    store: SnapshotStore,
    user: User,
    focus_group_id: uuid.UUID,
    index: int,
    adopted: bool,
) -> InsightHighlight:
    """Mark insight `index` of a group's summary adopted (or not). Needs write
    access to the project; an unknown group or index is a 404."""
    result = await session.scalar(
        select(AnalysisResult).where(
            AnalysisResult.focus_group_id == focus_group_id,
            AnalysisResult.kind == ResultKind.summary,
        )
    )
    if result is None:
        raise NotFound("summary of focus group", focus_group_id)
    project = await authorize_project(session, user, result.project_id, "write")
    items = list(result.content.get("key_insights") or [])
    if not 0 <= index < len(items):
        raise NotFound(
            f"insight {index} (the summary has {len(items)}, numbered from 0) "
            "of focus group",
            focus_group_id,
        )
    item = items[index]
    title = str(item.get("title", ""))
    key = insight_key(title)
    adopted_at: datetime | None = None
    if adopted:
        adopted_at = datetime.now(UTC)
        await session.execute(
            insert(InsightMark)
            .values(
                focus_group_id=focus_group_id,
                insight_key=key,
                project_id=project.id,
                insight_index=index,
                title=title[:300],
                adopted_by=user.id,
                adopted_at=adopted_at,
            )
            .on_conflict_do_nothing()
        )
        adopted_at = await session.scalar(
            select(InsightMark.adopted_at).where(
                InsightMark.focus_group_id == focus_group_id,
                InsightMark.insight_key == key,
            )
        )
    else:
        await session.execute(
            delete(InsightMark).where(
                InsightMark.focus_group_id == focus_group_id,
                InsightMark.insight_key == key,
            )
        )
    await store.drop_project(project.id)
    await store.drop_users([user.id])
    group_name = await session.scalar(
        select(FocusGroup.name).where(FocusGroup.id == focus_group_id)
    )
    return InsightHighlight(
        id=f"{focus_group_id}:{index}",
        focus_group_id=focus_group_id,
        index=index,
        project_id=project.id,
        project_name=project.name,
        focus_group_name=group_name or "",
        insight_type=item.get("type", "pattern"),
        title=title,
        insight_text=str(item.get("insight", "")),
        confidence_score=float(item.get("confidence", 0.0)),
        evidence_count=len(item.get("evidence") or []),
        is_adopted=adopted,
        adopted_at=adopted_at,
        generated_by=result.generated_by,
        created_at=result.created_at,
        url=f"/focus-groups/{focus_group_id}/analysis",
    )
