import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { json, renderAt, routeTable } from "../focus_groups/testing";
import type { Health, InsightAnalytics, InsightHighlight, MetricCard, Overview, Weekly } from "./api";
import { DashboardPage } from "./DashboardPage";

const card = (raw: number | null, extra: Partial<MetricCard> = {}): MetricCard => ({
  label: "",
  value: "",
  raw_value: raw,
  unit: null,
  p90: null,
  count: null,
  total: null,
  trend: null,
  tooltip: null,
  ...extra,
});

const OVERVIEW: Overview = {
  active_research: card(3, { trend: { value: 1, change_percent: 200, direction: "up" } }),
  pending_actions: card(2, { count: 1, total: 1 }),
  insights_ready: card(4, { trend: { value: 4, change_percent: 0, direction: "stable" } }),
  this_week_activity: card(12, { trend: { value: 20, change_percent: -40, direction: "down" } }),
  time_to_insight: card(20, { p90: 60 }),
  insight_adoption_rate: card(0.25, { count: 1, total: 4 }),
  persona_coverage: card(1 / 3, { count: 1, total: 3 }),
  blockers_count: card(3, { count: 1, total: 3 }),
  spend_this_month: card(3),
  spend: {
    spent_usd: 3,
    budget_usd: 10,
    share: 0.3,
    forecast_usd: 9.3,
    forecast_share: 0.93,
    warning_threshold: 0.8,
    critical_threshold: 0.9,
  },
  health: { on_track: 1, at_risk: 1, blocked: 1 },
  projects: 3,
  computed_at: "2026-12-01T12:00:00Z",
};

const WEEKLY: Weekly = {
  weeks: ["2026-W48", "2026-W49"],
  week_starts: ["2026-11-23", "2026-11-30"],
  personas: [0, 8],
  focus_groups: [0, 2],
  surveys: [0, 0],
  insights: [0, 4],
  spend_usd: [0, 3],
};

const HEALTH: Health = {
  summary: { on_track: 1, at_risk: 1, blocked: 1 },
  projects: [],
  blockers: [
    {
      type: "failed_job",
      severity: "critical",
      message: "Persona generation failed: the provider rejected the key",
      fix_action: "Generate again",
      fix_url: "/projects/p3",
      focus_group_id: null,
      project_id: "p3",
      project_name: "Coffee",
    },
  ],
};

const INSIGHT: InsightHighlight = {
  id: "g1:0",
  focus_group_id: "g1",
  index: 0,
  project_id: "p1",
  project_name: "Oat drinks",
  focus_group_name: "Oat talk",
  insight_type: "opportunity",
  title: "Price matters",
  insight_text: "Price matters: what the personas said.",
  confidence_score: 0.8,
  evidence_count: 2,
  is_adopted: false,
  adopted_at: null,
  generated_by: "offline-engine",
  created_at: "2026-12-01T02:00:00Z",
  url: "/focus-groups/g1/analysis",
};

const ANALYTICS: InsightAnalytics = {
  top_concepts: [{ concept: "price", count: 9, studies: 2 }],
  sentiment_distribution: { positive: 5, neutral: 3, negative: 4, mixed: 0 },
  insight_types: { opportunity: 1, risk: 2, trend: 1, pattern: 0 },
  response_patterns: [],
};

function server() {
  return routeTable({
    "GET /api/v1/dashboard/overview": () => json(OVERVIEW),
    "GET /api/v1/dashboard/analytics/weekly": () => json(WEEKLY),
    "GET /api/v1/dashboard/analytics/insights": () => json(ANALYTICS),
    "GET /api/v1/dashboard/insights/latest": () => json([INSIGHT]),
    "GET /api/v1/dashboard/health/blockers": () => json(HEALTH),
    "PUT /api/v1/dashboard/insights/g1/0": () => json({ ...INSIGHT, is_adopted: true }),
  });
}

describe("DashboardPage", () => {
  it("shows the KPI cards with trends, the blockers with a fix and the latest insights", async () => {
    const { fetch } = server();
    renderAt("/", "/", <DashboardPage />, fetch);
    const coverage = await screen.findByTestId("kpi-persona_coverage");
    expect(coverage).toHaveTextContent("33%");
    expect(coverage).toHaveTextContent("1 of 3 projects");
    expect(screen.getByTestId("kpi-time_to_insight")).toHaveTextContent("20 h");
    expect(screen.getByTestId("kpi-time_to_insight")).toHaveTextContent("P90 2.5 d");
    expect(screen.getByTestId("kpi-active_research")).toHaveTextContent("up 200% on last week");
    expect(screen.getByTestId("kpi-this_week_activity")).toHaveTextContent("down 40% on last week");
    expect(screen.getByTestId("kpi-spend")).toHaveTextContent("$3.00");
    expect(screen.getByTestId("kpi-spend")).toHaveTextContent("forecast $9.30");
    const fix = await screen.findByRole("link", { name: "Open and retry" });
    expect(fix).toHaveAttribute("href", "/projects/p3");
    expect(screen.getByText("A job failed: the provider rejected the key")).toBeInTheDocument();
    expect(await screen.findByRole("link", { name: "Price matters" })).toHaveAttribute("href", "/focus-groups/g1/analysis");
  });

  it("adopts an insight with one click", async () => {
    const { fetch, calls } = server();
    renderAt("/", "/", <DashboardPage />, fetch);
    const insights = (await screen.findByRole("heading", { name: "Latest insights" })).closest("section");
    if (insights === null) throw new Error("no insights panel");
    await userEvent.click(within(insights).getByRole("button", { name: "Adopt" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PUT" && c.body === '{"adopted":true}')).toBe(true));
  });

  it("speaks Polish", async () => {
    const { fetch } = server();
    renderAt("/", "/", <DashboardPage />, fetch, "pl");
    expect(await screen.findByTestId("kpi-persona_coverage")).toHaveTextContent("1 z 3 projektów");
    expect(await screen.findByRole("link", { name: "Otwórz i ponów" })).toBeInTheDocument();
  });
});
