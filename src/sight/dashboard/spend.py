"""Spend for the dashboard: this month against the user's budget with a
forecast to the month's end and alerts (the `usage` section), and the cost by
category, flow and model (`usage_breakdown`)."""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from datetime import UTC, datetime

from sight.dashboard.queries import Facts
from sight.dashboard.schemas import (
    BudgetAlert,
    SpendSummary,
    UsageBreakdownResponse,
    UsageBudgetResponse,
    UsageCategoryBreakdown,
    UsageHistory,
)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def spend_reports(
    facts: Facts,
    *,
    now: datetime,
    budget_usd: float,
    warning: float,
    critical: float,
) -> tuple[SpendSummary, UsageBudgetResponse, UsageBreakdownResponse]:
    """This month's spend against the budget, its forecast and alerts, and the
    cost by category, flow and model."""
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month_days = [d for d in facts.spend_days if _aware(d[0]) >= month]
    spent = sum(c for _, c, _ in month_days)
    tokens = sum(t for _, _, t in month_days)
    days_in_month = monthrange(now.year, now.month)[1]
    elapsed = max(1.0, (now - month).total_seconds() / 86400)
    forecast = spent / elapsed * days_in_month
    share = spent / budget_usd if budget_usd > 0 else 0.0
    forecast_share = forecast / budget_usd if budget_usd > 0 else 0.0
    summary = SpendSummary(
        spent_usd=round(spent, 4),
        budget_usd=budget_usd,
        share=round(share, 4),
        forecast_usd=round(forecast, 4),
        forecast_share=round(forecast_share, 4),
        warning_threshold=warning,
        critical_threshold=critical,
    )
    alerts: list[BudgetAlert] = []
    if share >= 1:
        alerts.append(
            BudgetAlert(
                alert_type="exceeded",
                message=f"The monthly budget of ${budget_usd:.2f} is used up.",
                threshold=1.0,
                current=round(share, 4),
            )
        )
    elif share >= warning:
        threshold = critical if share >= critical else warning
        alerts.append(
            BudgetAlert(
                alert_type="warning",
                message=f"{share * 100:.0f}% of the monthly budget is spent.",
                threshold=threshold,
                current=round(share, 4),
            )
        )
    elif forecast_share >= 1:
        alerts.append(
            BudgetAlert(
                alert_type="warning",
                message="At this pace the month ends over budget.",
                threshold=1.0,
                current=round(forecast_share, 4),
            )
        )
    usage = UsageBudgetResponse(
        total_tokens=tokens,
        total_cost=round(spent, 4),
        forecast_month_end=round(forecast, 4),
        budget_limit=budget_usd,
        alert_thresholds={"warning": warning, "critical": critical},
        alerts=alerts,
        history=[
            UsageHistory(
                date=_aware(d).date().isoformat(),
                total_tokens=t,
                total_cost=round(c, 4),
            )
            for d, c, t in sorted(month_days)
        ],
    )
    return summary, usage, _breakdown(facts)


def _breakdown(facts: Facts) -> UsageBreakdownResponse:
    total_cost = sum(c for *_, c, _ in facts.spend_by_route)
    total_tokens = sum(t for *_, t in facts.spend_by_route)
    groups: dict[str, dict[str, list[float]]] = {
        "category": defaultdict(lambda: [0.0, 0.0]),
        "flow": defaultdict(lambda: [0.0, 0.0]),
        "model": defaultdict(lambda: [0.0, 0.0]),
    }
    for flow, model, cost, tokens in facts.spend_by_route:
        prefix = flow.split(".", 1)[0]
        category = {
            "personas": "persona_generation",
            "focus_groups": "focus_group",
            "knowledge": "rag_query",
        }.get(prefix, "other")
        for kind, key in (("category", category), ("flow", flow), ("model", model)):
            groups[kind][key][0] += tokens
            groups[kind][key][1] += cost

    def part(values: list[float]) -> UsageCategoryBreakdown:
        tokens, cost = values
        return UsageCategoryBreakdown(
            tokens=int(tokens),
            cost=round(cost, 6),
            percentage=round(cost / total_cost * 100, 1) if total_cost else 0.0,
        )

    categories = groups["category"]
    return UsageBreakdownResponse(
        persona_generation=part(categories["persona_generation"]),
        focus_group=part(categories["focus_group"]),
        rag_query=part(categories["rag_query"]),
        other=part(categories["other"]),
        by_flow={k: part(v) for k, v in sorted(groups["flow"].items())},
        by_model={k: part(v) for k, v in sorted(groups["model"].items())},
        total_tokens=total_tokens,
        total_cost=round(total_cost, 6),
    )
