"""Dashboard routes (the original product's paths). Each answers from the
caller's KPI snapshot, over the projects the caller may read."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import Path, Query, Response

from sight.dashboard import service
from sight.dashboard.schemas import (
    HealthBlockersResponse,
    InsightAnalyticsData,
    InsightHighlight,
    InsightMarkUpdate,
    OverviewResponse,
    ProjectHealth,
    UsageBreakdownResponse,
    UsageBudgetResponse,
    WeeklyCompletionData,
)
from sight.dashboard.store import snapshot_store
from sight.deps import CurrentUser, DbSession, State
from sight.kit.routers import domain_router
from sight.kit.routing import API_PREFIX
from sight.notifications import service as notifications
from sight.notifications.schemas import NotificationRead

router = domain_router(prefix=f"{API_PREFIX}/dashboard", tags=["dashboard"])


async def _section(
    state: State, session: DbSession, user: CurrentUser, name: str
) -> str:
    return await service.section(
        snapshot_store(state.redis, session),
        session,
        user,
        name,
        policies=state.llm.policies,
        llm_settings=state.settings.llm,
    )


def _json(body: str) -> Response:
    # Stored as the response model's JSON: sent as it is, not rebuilt.
    return Response(content=body, media_type="application/json")


@router.get("/overview", response_model=OverviewResponse)
async def overview(user: CurrentUser, session: DbSession, state: State) -> Response:
    """The KPI cards: active research, pending actions, insights ready and
    adopted, this week's activity, time to insight (median, P90), persona
    coverage, blockers, spend this month against the budget with a forecast."""
    return _json(await _section(state, session, user, "overview"))


@router.get("/analytics/weekly", response_model=WeeklyCompletionData)
async def weekly(user: CurrentUser, session: DbSession, state: State) -> Response:
    """The last 8 ISO weeks: personas generated, focus groups and surveys
    completed, insights produced and spend."""
    return _json(await _section(state, session, user, "weekly"))


@router.get("/analytics/insights", response_model=InsightAnalyticsData)
async def insight_analytics(
    user: CurrentUser, session: DbSession, state: State
) -> Response:
    """Top concepts and sentiment across every analysed study, insight types."""
    return _json(await _section(state, session, user, "insights"))


@router.get("/insights/latest", response_model=list[InsightHighlight])
async def latest_insights(
    user: CurrentUser,
    session: DbSession,
    state: State,
    limit: Annotated[int, Query(ge=1, le=20)] = 10,
) -> Response:
    items = json.loads(await _section(state, session, user, "latest_insights"))
    return _json(json.dumps(items[:limit], separators=(",", ":")))


@router.put(
    "/insights/{focus_group_id}/{insight_index}", response_model=InsightHighlight
)
async def mark_insight(
    focus_group_id: uuid.UUID,
    insight_index: Annotated[int, Path(ge=0, le=100)],
    change: InsightMarkUpdate,
    user: CurrentUser,
    session: DbSession,
    state: State,
) -> InsightHighlight:
    """Mark an insight adopted (the team acts on it) or take the mark back.
    Needs write access to the project."""
    return await service.set_adopted(
        session,
        snapshot_store(state.redis, session),
        user,
        focus_group_id,
        insight_index,
        change.adopted,
    )


@router.get("/health/blockers", response_model=HealthBlockersResponse)
async def health_blockers(
    user: CurrentUser, session: DbSession, state: State
) -> Response:
    """Projects on track / at risk / blocked, and every blocker with a fix."""
    return _json(await _section(state, session, user, "health"))


@router.get("/projects/active", response_model=list[ProjectHealth])
async def active_projects(
    user: CurrentUser, session: DbSession, state: State
) -> Response:
    health = json.loads(await _section(state, session, user, "health"))
    return _json(json.dumps(health["projects"], separators=(",", ":")))


@router.get("/usage", response_model=UsageBudgetResponse)
async def usage(user: CurrentUser, session: DbSession, state: State) -> Response:
    """This month's tokens and cost, the budget, a forecast and alerts."""
    return _json(await _section(state, session, user, "usage"))


@router.get("/usage-breakdown", response_model=UsageBreakdownResponse)
async def usage_breakdown(
    user: CurrentUser, session: DbSession, state: State
) -> Response:
    """This month's cost by category (as the original), by flow and by model."""
    return _json(await _section(state, session, user, "usage_breakdown"))


@router.get("/notifications", response_model=list[NotificationRead])
async def dashboard_notifications(
    user: CurrentUser,
    session: DbSession,
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[NotificationRead]:
    """The caller's notifications (the list in `/notifications` has paging)."""
    rows, _ = await notifications.list_notifications(
        session,
        user.id,
        unread_only=unread_only,
        include_done=False,
        limit=limit,
        offset=0,
    )
    return [notifications.to_read(r) for r in rows]
