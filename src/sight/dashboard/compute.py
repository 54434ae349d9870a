"""A user's dashboard snapshot, computed from `queries.gather`'s rows.

Definitions (docs/dashboard.md says the same for users):
- active research: projects with any activity (edits, personas, studies,
  analyses) in the last 30 days; the trend compares the last 7 days with the 7
  before.
- time to insight: hours from a project's creation to its first analysis
  result; the median and P90 over projects that have one.
- insights ready: key insights in the stored summaries; adopted: those marked.
- persona coverage: projects whose persona sample fits its target, out of all
  visible projects: the goodness-of-fit test passes, or the sample is too small
  to test and every dimension is as exact as whole personas allow.
- project health: blocked (a critical blocker: failed job, over budget),
  at risk (no personas, sample does not fit) or on track.
"""

from __future__ import annotations

import hashlib
import statistics
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sight.dashboard.queries import Facts, ProjectRow
from sight.dashboard.schemas import (
    Blocker,
    BlockerWithFix,
    ConceptData,
    DashboardSnapshot,
    HealthBlockersResponse,
    HealthState,
    InsightAnalyticsData,
    InsightHighlight,
    InsightTypesData,
    MetricCard,
    OverviewResponse,
    ProgressStages,
    ProjectHealth,
    SentimentData,
    SpendSummary,
    TrendData,
    WeeklyCompletionData,
)
from sight.dashboard.spend import spend_reports

WEEKS = 8
ACTIVE_DAYS = 30
LATEST_INSIGHTS = 20
TOP_CONCEPTS = 10
_SEVERITY_COST = {"critical": 50, "high": 25, "medium": 15, "low": 5}
_FAILED_WHAT = {
    "personas.generate": ("Persona generation", "Generate again"),
    "focus_groups.run": ("Focus group", "Open the focus group"),
    "analysis.run": ("Analysis", "Run the analysis again"),
    "surveys.run": ("Survey", "Open the survey"),
    "knowledge.ingest": ("Document processing", "Open the documents"),
}


def insight_key(title: str) -> str:
    return hashlib.sha256(" ".join(title.lower().split()).encode()).hexdigest()[:32]


def _trend(current: float, previous: float) -> TrendData:
    if previous == 0:
        change = 100.0 if current > 0 else 0.0
    else:
        change = (current - previous) / previous * 100
    direction = "stable" if abs(change) < 1 else ("up" if change > 0 else "down")
    return TrendData(
        value=previous, change_percent=round(change, 1), direction=direction
    )


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    rank = max(0, int(-(-0.9 * len(ordered) // 1)) - 1)  # nearest rank
    return ordered[rank]


def _hours(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 24:.1f} d" if value >= 48 else f"{value:.1f} h"


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100)}%"


def _week_start(moment: datetime | date) -> date:
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _fits(project: ProjectRow) -> bool:
    """The sample fits: the test passes, or it cannot judge (too few personas)
    and every dimension is as exact as whole personas allow."""
    if project.personas == 0 or project.verdict not in ("pass", "inconclusive"):
        return False
    return not project.loose


def _job_url(project_id: uuid.UUID, kind: str, params: dict[str, Any]) -> str:
    if kind == "focus_groups.run" and "focus_group_id" in params:
        return f"/focus-groups/{params['focus_group_id']}"
    if kind == "analysis.run" and "focus_group_id" in params:
        return f"/focus-groups/{params['focus_group_id']}/analysis"
    if kind == "surveys.run" and "survey_id" in params:
        return f"/surveys/{params['survey_id']}"
    if kind == "knowledge.ingest":
        return f"/projects/{project_id}/knowledge"
    return f"/projects/{project_id}"


@dataclass(slots=True)
class _Insight:
    group_id: uuid.UUID
    index: int
    project_id: uuid.UUID
    item: dict[str, Any]
    title: str
    insight_type: str
    adopted_at: datetime | None
    generated_by: str
    created_at: datetime

    @property
    def is_adopted(self) -> bool:
        return self.adopted_at is not None


class _Builder:
    def __init__(
        self,
        facts: Facts,
        *,
        user_id: uuid.UUID,
        now: datetime,
        budget_usd: float,
        warning: float,
        critical: float,
    ) -> None:
        self.f = facts
        self.user_id = user_id
        self.now = now
        self.budget = budget_usd
        self.warning = warning
        self.critical = critical
        self.week_ago = now - timedelta(days=7)
        self.two_weeks_ago = now - timedelta(days=14)
        self.month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        self.summaries = [r for r in facts.results if r[2] == "summary"]
        self.completed_groups = [g for g in facts.groups if g[3] == "completed"]
        self.completed_surveys = [s for s in facts.surveys if s[3] == "completed"]
        self.analysed = {r[0] for r in facts.results}
        self.group_names = {g[0]: g[2] for g in facts.groups}
        # Rows per project, so per-project work does not rescan every row.
        self.groups_of: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for g in facts.groups:
            self.groups_of[g[1]].append(g)
        self.surveys_of: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for sv in facts.surveys:
            self.surveys_of[sv[1]].append(sv)
        self.insights_of: Counter[uuid.UUID] = Counter()
        for r in self.summaries:
            self.insights_of[r[1]] += len(r[5] or [])

    # ---- insights ------------------------------------------------------------

    def insights(self) -> list[_Insight]:
        """Every insight, newest first, as light rows (models only for the
        few the dashboard lists)."""
        out: list[_Insight] = []
        for group_id, project_id, _, created, generated_by, items, _, _ in sorted(
            self.summaries, key=lambda r: r[3], reverse=True
        ):
            for index, item in enumerate(items or []):
                title = str(item.get("title", ""))
                adopted = self.f.marks.get((group_id, insight_key(title)))
                out.append(
                    _Insight(
                        group_id,
                        index,
                        project_id,
                        item,
                        title,
                        str(item.get("type", "pattern")),
                        adopted,
                        generated_by,
                        created,
                    )
                )
        return out

    def highlight(self, row: _Insight) -> InsightHighlight:
        project = self.f.projects.get(row.project_id)
        item = row.item
        return InsightHighlight(
            id=f"{row.group_id}:{row.index}",
            focus_group_id=row.group_id,
            index=row.index,
            project_id=row.project_id,
            project_name=project.name if project else "",
            focus_group_name=self.group_names.get(row.group_id, ""),
            insight_type=row.insight_type,
            title=row.title,
            insight_text=str(item.get("insight", "")),
            confidence_score=float(item.get("confidence", 0.0)),
            evidence_count=len(item.get("evidence") or []),
            is_adopted=row.adopted_at is not None,
            adopted_at=row.adopted_at,
            generated_by=row.generated_by,
            created_at=row.created_at,
            url=f"/focus-groups/{row.group_id}/analysis",
        )

    # ---- health --------------------------------------------------------------

    def health(self) -> HealthBlockersResponse:
        blockers: dict[uuid.UUID, list[Blocker]] = defaultdict(list)
        for project in self.f.projects.values():
            url = f"/projects/{project.id}"
            if project.personas == 0:
                blockers[project.id].append(
                    Blocker(
                        type="no_personas",
                        severity="high",
                        message="No personas yet: nothing can be asked.",
                        fix_action="Generate personas",
                        fix_url=url,
                    )
                )
            elif project.verdict == "fail":
                blockers[project.id].append(
                    Blocker(
                        type="sample_misfit",
                        severity="medium",
                        message="The persona sample does not fit the target.",
                        fix_action="Review the sample",
                        fix_url=url,
                    )
                )
            if (
                project.budget_usd is not None
                and project.spend_month >= project.budget_usd
            ):
                blockers[project.id].append(
                    Blocker(
                        type="over_budget",
                        severity="critical",
                        message=(
                            f"Over budget: ${project.spend_month:.2f} of "
                            f"${project.budget_usd:.2f} this month."
                        ),
                        fix_action="Raise the project budget",
                        fix_url=url,
                    )
                )
        for project_id, kind, status, error, params, _ in self.f.jobs:
            if status != "failed" or project_id not in self.f.projects:
                continue
            what, action = _FAILED_WHAT.get(kind, ("Job", "Open the project"))
            group = params.get("focus_group_id")
            blockers[project_id].append(
                Blocker(
                    type="failed_job",
                    severity="critical",
                    message=f"{what} failed: {error or 'no reason recorded'}",
                    fix_action=action,
                    fix_url=_job_url(project_id, kind, params),
                    focus_group_id=uuid.UUID(group) if group else None,
                )
            )
        for group_id, project_id, name, *_ in self.completed_groups:
            if group_id not in self.analysed:
                blockers[project_id].append(
                    Blocker(
                        type="analysis_missing",
                        severity="low",
                        message=f"{name}: the discussion is not analysed yet.",
                        fix_action="Analyse the discussion",
                        fix_url=f"/focus-groups/{group_id}/analysis",
                        focus_group_id=group_id,
                    )
                )
        projects = [
            self._project_health(p, blockers.get(p.id, []))
            for p in self.f.projects.values()
        ]
        projects.sort(
            key=lambda p: (
                {"blocked": 0, "at_risk": 1, "on_track": 2}[p.status],
                p.name,
            )
        )
        summary: dict[HealthState, int] = {"on_track": 0, "at_risk": 0, "blocked": 0}
        for p in projects:
            summary[p.status] += 1
        rank = {"critical": 0, "high": 1, "medium": 2, "low": 3}
        flat = [
            BlockerWithFix(project_id=p.id, project_name=p.name, **b.model_dump())
            for p in projects
            for b in p.blockers
        ]
        flat.sort(key=lambda b: (rank[b.severity], b.project_name))
        return HealthBlockersResponse(summary=summary, blockers=flat, projects=projects)

    def _project_health(
        self, project: ProjectRow, blockers: list[Blocker]
    ) -> ProjectHealth:
        severities = {b.severity for b in blockers}
        status: HealthState = (
            "blocked"
            if "critical" in severities
            else "at_risk"
            if severities & {"high", "medium"}
            else "on_track"
        )
        score = max(0, 100 - sum(_SEVERITY_COST[b.severity] for b in blockers))
        groups = self.groups_of.get(project.id, [])
        surveys = self.surveys_of.get(project.id, [])
        focus = any(g[3] == "completed" for g in groups) or any(
            s[3] == "completed" for s in surveys
        )
        analysis = project.first_analysis is not None or any(
            s[3] == "completed" for s in surveys
        )
        stages = {
            "demographics": True,
            "personas": project.personas > 0,
            "focus": focus,
            "analysis": analysis,
        }
        current = next((k for k, done in stages.items() if not done), "done")
        url = f"/projects/{project.id}"
        cta = {
            "personas": "Generate personas",
            "focus": "Run a focus group or survey",
            "analysis": "Analyse the discussion",
            "done": "Open the project",
        }.get(current, "Open the project")
        pending = [
            g for g in groups if g[3] == "completed" and g[0] not in self.analysed
        ]
        if current == "analysis" and pending:
            url = f"/focus-groups/{pending[0][0]}/analysis"
        moments = [project.updated_at, project.personas_last, project.first_analysis]
        moments += [g[5] for g in groups] + [s[5] for s in surveys]
        insights = self.insights_of[project.id]
        return ProjectHealth(
            id=project.id,
            name=project.name,
            status=status,
            score=score,
            blockers=blockers,
            progress=ProgressStages(current_stage=current, **stages),
            personas=project.personas,
            insights_count=insights,
            last_activity=max(m for m in moments if m is not None),
            cta_label=cta,
            cta_url=url,
        )

    # ---- charts --------------------------------------------------------------

    def weekly(self) -> WeeklyCompletionData:
        this_week = _week_start(self.now)
        starts = [this_week - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
        index = {start: i for i, start in enumerate(starts)}

        def counts(moments: list[tuple[datetime | None, float]]) -> list[float]:
            values = [0.0] * WEEKS
            for moment, amount in moments:
                if moment is None:
                    continue
                slot = index.get(_week_start(moment))
                if slot is not None:
                    values[slot] += amount
            return values

        def ints(moments: list[tuple[datetime | None, float]]) -> list[int]:
            return [int(v) for v in counts(moments)]

        return WeeklyCompletionData(
            weeks=[f"{s.isocalendar()[0]}-W{s.isocalendar()[1]:02d}" for s in starts],
            week_starts=[s.isoformat() for s in starts],
            personas=ints([(d, n) for d, n in self.f.persona_days]),
            focus_groups=ints([(g[6] or g[5], 1) for g in self.completed_groups]),
            surveys=ints([(s[5], 1) for s in self.completed_surveys]),
            insights=ints([(r[3], len(r[5] or [])) for r in self.summaries]),
            spend_usd=[
                round(v, 4) for v in counts([(d, c) for d, c, _ in self.f.spend_days])
            ],
        )

    def insight_analytics(self, highlights: list[_Insight]) -> InsightAnalyticsData:
        mentions: Counter[str] = Counter()
        studies: Counter[str] = Counter()
        contested: dict[str, float] = {}
        sentiment = Counter[str]()
        for row in self.f.results:
            if row[2] == "concept_graph":
                for node in row[7] or []:
                    concept = str(node.get("concept", ""))
                    mentions[concept] += int(node.get("mentions", 0))
                    studies[concept] += 1
                    contested[concept] = max(
                        contested.get(concept, 0.0), float(node.get("contested", 0))
                    )
            elif row[2] == "sentiment" and row[6]:
                for label in ("positive", "neutral", "negative"):
                    sentiment[label] += int(row[6].get(label, 0))
        types = Counter(h.insight_type for h in highlights)
        divisive = sorted(
            (c for c, v in contested.items() if v >= 0.6),
            key=lambda c: -mentions[c],
        )[:5]
        return InsightAnalyticsData(
            top_concepts=[
                ConceptData(concept=c, count=n, studies=studies[c])
                for c, n in mentions.most_common(TOP_CONCEPTS)
            ],
            sentiment_distribution=SentimentData(
                positive=sentiment["positive"],
                negative=sentiment["negative"],
                neutral=sentiment["neutral"],
            ),
            insight_types=InsightTypesData(**{str(k): v for k, v in types.items()}),
            response_patterns=[
                {"pattern": "contested", "concept": c, "count": mentions[c]}
                for c in divisive
            ],
        )

    # ---- overview ------------------------------------------------------------

    def overview(
        self,
        highlights: list[_Insight],
        health: HealthBlockersResponse,
        spend: SpendSummary,
    ) -> OverviewResponse:
        projects = list(self.f.projects.values())
        activity = self._activity_by_project()

        def active_between(start: datetime, end: datetime) -> int:
            return sum(
                1
                for moments in activity.values()
                if any(start <= m < end for m in moments)
            )

        horizon = self.now + timedelta(seconds=1)
        active = active_between(self.now - timedelta(days=ACTIVE_DAYS), horizon)
        ttis = [
            (_aware(p.first_analysis) - _aware(p.created_at)).total_seconds() / 3600
            for p in projects
            if p.first_analysis is not None
        ]
        median = statistics.median(ttis) if ttis else None
        p90 = _p90(ttis) if ttis else None
        ready = len(highlights)
        adopted = sum(1 for h in highlights if h.is_adopted)
        fits = sum(1 for p in projects if _fits(p))
        new_insights = sum(1 for h in highlights if h.created_at >= self.week_ago)
        old_insights = sum(
            1 for h in highlights if self.two_weeks_ago <= h.created_at < self.week_ago
        )
        drafts = sum(1 for g in self.f.groups if g[3] == "pending") + sum(
            1 for s in self.f.surveys if s[3] == "draft"
        )
        unanalysed = sum(1 for g in self.completed_groups if g[0] not in self.analysed)
        blocking = [b for b in health.blockers if b.severity != "low"]
        this_week = self._events_between(self.week_ago, horizon)
        last_week = self._events_between(self.two_weeks_ago, self.week_ago)
        adoption = _share(adopted, ready)
        coverage = _share(fits, len(projects))
        return OverviewResponse(
            active_research=MetricCard(
                label="Active research",
                value=str(active),
                raw_value=active,
                trend=_trend(
                    active_between(self.week_ago, horizon),
                    active_between(self.two_weeks_ago, self.week_ago),
                ),
                tooltip=f"Projects with activity in the last {ACTIVE_DAYS} days",
            ),
            pending_actions=MetricCard(
                label="Pending actions",
                value=str(drafts + unanalysed),
                raw_value=drafts + unanalysed,
                count=unanalysed,
                total=drafts,
                tooltip="Studies never run plus discussions not yet analysed",
            ),
            insights_ready=MetricCard(
                label="Insights ready",
                value=str(ready),
                raw_value=ready,
                trend=_trend(new_insights, old_insights),
                tooltip="Key insights in the analyses' summaries",
            ),
            this_week_activity=MetricCard(
                label="This week",
                value=str(this_week),
                raw_value=this_week,
                trend=_trend(this_week, last_week),
                tooltip="Personas generated, studies completed, analyses made",
            ),
            time_to_insight=MetricCard(
                label="Time to insight",
                value=_hours(median),
                raw_value=None if median is None else round(median, 2),
                unit="hours",
                p90=None if p90 is None else round(p90, 2),
                count=len(ttis),
                tooltip="From a project's creation to its first analysis (median, P90)",
            ),
            insight_adoption_rate=MetricCard(
                label="Insights adopted",
                value=_pct(adoption),
                raw_value=adoption,
                count=adopted,
                total=ready,
            ),
            persona_coverage=MetricCard(
                label="Persona coverage",
                value=_pct(coverage),
                raw_value=coverage,
                count=fits,
                total=len(projects),
                tooltip="Projects whose persona sample fits its target",
            ),
            blockers_count=MetricCard(
                label="Blockers",
                value=str(len(blocking)),
                raw_value=len(blocking),
                count=health.summary["blocked"],
                total=len(projects),
            ),
            spend_this_month=MetricCard(
                label="Spend this month",
                value=f"${spend.spent_usd:.2f}",
                raw_value=spend.spent_usd,
                unit="USD",
                tooltip=(
                    f"Budget ${spend.budget_usd:.2f}; forecast "
                    f"${spend.forecast_usd:.2f} by the month's end"
                ),
            ),
            spend=spend,
            health=health.summary,
            projects=len(projects),
            computed_at=self.now,
        )

    def _activity_by_project(self) -> dict[uuid.UUID, list[datetime]]:
        moments: dict[uuid.UUID, list[datetime]] = defaultdict(list)
        for p in self.f.projects.values():
            moments[p.id] += [
                m for m in (p.updated_at, p.personas_last, p.first_analysis) if m
            ]
        for g in self.f.groups:
            moments[g[1]].append(g[5])
        for s in self.f.surveys:
            moments[s[1]].append(s[5])
        for r in self.f.results:
            moments[r[1]].append(r[3])
        return moments

    def _events_between(self, start: datetime, end: datetime) -> int:
        personas = sum(n for d, n in self.f.persona_days if start <= _aware(d) < end)
        # persona_days are whole days: count a day that started before `start`
        # only in the later window (close enough for a weekly figure).
        groups = sum(1 for g in self.completed_groups if start <= (g[6] or g[5]) < end)
        surveys = sum(1 for s in self.completed_surveys if start <= s[5] < end)
        analyses = sum(
            1 for r in self.f.results if r[2] == "summary" and start <= r[3] < end
        )
        return personas + groups + surveys + analyses


def build_snapshot(
    facts: Facts,
    *,
    user_id: uuid.UUID,
    budget_usd: float,
    warning: float,
    critical: float,
    now: datetime | None = None,
) -> DashboardSnapshot:
    builder = _Builder(
        facts,
        user_id=user_id,
        now=now or datetime.now(UTC),
        budget_usd=budget_usd,
        warning=warning,
        critical=critical,
    )
    highlights = builder.insights()
    health = builder.health()
    summary, usage, breakdown = spend_reports(
        facts,
        now=builder.now,
        budget_usd=budget_usd,
        warning=warning,
        critical=critical,
    )
    return DashboardSnapshot(
        user_id=user_id,
        computed_at=builder.now,
        overview=builder.overview(highlights, health, summary),
        weekly=builder.weekly(),
        insights=builder.insight_analytics(highlights),
        latest_insights=[builder.highlight(h) for h in highlights[:LATEST_INSIGHTS]],
        health=health,
        usage=usage,
        usage_breakdown=breakdown,
    )
