"""API shapes of the dashboard, named as in the original product
(`OverviewResponse`, `MetricCard`, `HealthBlockersResponse`, …) with what this
product adds (spend vs budget with a forecast, counts behind each share).

Labels and tooltips are English for API clients; the web app words cards from
the field names and raw values in the user's language.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, StrictBool

from sight.kit.schemas import InputSchema, Schema

Direction = Literal["up", "down", "stable"]
HealthState = Literal["on_track", "at_risk", "blocked"]
Severity = Literal["critical", "high", "medium", "low"]
InsightType = Literal["opportunity", "risk", "trend", "pattern"]


class TrendData(Schema):
    """This week against the week before."""

    value: float = Field(description="The previous period's value")
    change_percent: float
    direction: Direction


class MetricCard(Schema):
    label: str
    value: str = Field(description="Formatted, e.g. '12', '87%', '3.5 h'")
    raw_value: float | None = Field(description="None when there is nothing yet")
    unit: str | None = None
    p90: float | None = Field(default=None, description="Time to insight only")
    count: int | None = Field(default=None, description="Numerator of a share")
    total: int | None = Field(default=None, description="Denominator of a share")
    trend: TrendData | None = None
    tooltip: str | None = None


class SpendSummary(Schema):
    spent_usd: float
    budget_usd: float
    share: float = Field(description="spent / budget")
    forecast_usd: float = Field(description="At this month's daily pace")
    forecast_share: float
    warning_threshold: float
    critical_threshold: float


class OverviewResponse(Schema):
    active_research: MetricCard
    pending_actions: MetricCard
    insights_ready: MetricCard
    this_week_activity: MetricCard
    time_to_insight: MetricCard
    insight_adoption_rate: MetricCard
    persona_coverage: MetricCard
    blockers_count: MetricCard
    spend_this_month: MetricCard
    spend: SpendSummary
    health: dict[HealthState, int]
    projects: int
    computed_at: datetime


class WeeklyCompletionData(Schema):
    weeks: list[str] = Field(description="ISO weeks, oldest first: 2026-W45")
    week_starts: list[str] = Field(description="Monday of each week (ISO date)")
    personas: list[int]
    focus_groups: list[int]
    surveys: list[int]
    insights: list[int]
    spend_usd: list[float]


class ConceptData(Schema):
    concept: str
    count: int
    studies: int


class SentimentData(Schema):
    positive: int
    negative: int
    neutral: int
    mixed: int = Field(default=0, description="Always 0: answers get one label")


class InsightTypesData(Schema):
    opportunity: int = 0
    risk: int = 0
    trend: int = 0
    pattern: int = 0


class InsightAnalyticsData(Schema):
    top_concepts: list[ConceptData]
    sentiment_distribution: SentimentData
    insight_types: InsightTypesData
    response_patterns: list[dict[str, str | int]]


class InsightHighlight(Schema):
    id: str = Field(description="'{focus_group_id}:{index}'")
    focus_group_id: uuid.UUID
    index: int
    project_id: uuid.UUID
    project_name: str
    focus_group_name: str
    insight_type: InsightType
    title: str
    insight_text: str
    confidence_score: float
    evidence_count: int
    is_adopted: bool
    adopted_at: datetime | None
    generated_by: str
    created_at: datetime
    url: str


class InsightMarkUpdate(InputSchema):
    adopted: StrictBool = Field(description="True: the team acts on this insight")


class Blocker(Schema):
    type: Literal[
        "no_personas",
        "sample_misfit",
        "failed_job",
        "over_budget",
        "analysis_missing",
    ]
    severity: Severity
    message: str
    fix_action: str
    fix_url: str | None
    focus_group_id: uuid.UUID | None = None


class BlockerWithFix(Blocker):
    project_id: uuid.UUID
    project_name: str


class ProgressStages(Schema):
    demographics: bool
    personas: bool
    focus: bool
    analysis: bool
    current_stage: Literal["demographics", "personas", "focus", "analysis", "done"]


class ProjectHealth(Schema):
    id: uuid.UUID
    name: str
    status: HealthState
    score: int = Field(ge=0, le=100)
    blockers: list[Blocker]
    progress: ProgressStages
    personas: int
    insights_count: int
    last_activity: datetime
    cta_label: str
    cta_url: str


class HealthBlockersResponse(Schema):
    summary: dict[HealthState, int]
    blockers: list[BlockerWithFix]
    projects: list[ProjectHealth]


class UsageHistory(Schema):
    date: str
    total_tokens: int
    total_cost: float


class BudgetAlert(Schema):
    alert_type: Literal["warning", "exceeded"]
    message: str
    threshold: float
    current: float


class UsageBudgetResponse(Schema):
    total_tokens: int
    total_cost: float
    forecast_month_end: float
    budget_limit: float
    alert_thresholds: dict[Literal["warning", "critical"], float]
    alerts: list[BudgetAlert]
    history: list[UsageHistory]


class UsageCategoryBreakdown(Schema):
    tokens: int
    cost: float
    percentage: float = Field(description="0-100, share of this month's cost")


class UsageBreakdownResponse(Schema):
    persona_generation: UsageCategoryBreakdown
    focus_group: UsageCategoryBreakdown
    rag_query: UsageCategoryBreakdown
    other: UsageCategoryBreakdown
    by_flow: dict[str, UsageCategoryBreakdown]
    by_model: dict[str, UsageCategoryBreakdown]
    total_tokens: int
    total_cost: float


class DashboardSnapshot(Schema):
    """Everything the dashboard shows, computed at once and cached."""

    user_id: uuid.UUID
    computed_at: datetime
    overview: OverviewResponse
    weekly: WeeklyCompletionData
    insights: InsightAnalyticsData
    latest_insights: list[InsightHighlight]
    health: HealthBlockersResponse
    usage: UsageBudgetResponse
    usage_breakdown: UsageBreakdownResponse
