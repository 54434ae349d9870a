import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import createClient from "openapi-fetch";
import { toApiError, useApi } from "../../api";
import type { components, paths } from "../../api/schema";

// The dashboard (src/sight/dashboard/endpoints.py). Every route answers from the
// user's KPI snapshot; a notification arriving on the live stream invalidates
// ["dashboard"] (see features/notifications/api.ts), so a finished study shows.

type Schemas = components["schemas"];
export type Overview = Schemas["OverviewResponse"];
export type MetricCard = Schemas["MetricCard"];
export type Weekly = Schemas["WeeklyCompletionData"];
export type InsightAnalytics = Schemas["InsightAnalyticsData"];
export type InsightHighlight = Schemas["InsightHighlight"];
export type Health = Schemas["HealthBlockersResponse"];
export type BlockerWithFix = Schemas["BlockerWithFix"];

export const DASHBOARD_KEY = ["dashboard"] as const;

export function useDashboard() {
  const api = useApi();
  const client = createClient<paths>({ baseUrl: api.session.baseUrl, fetch: api.session.fetch });
  const get = async <T,>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> => {
    const { data, error, response } = await call;
    if (response.ok && data !== undefined) return data;
    throw toApiError(response.status, error);
  };
  const options = { staleTime: 30_000 };
  const overview = useQuery({
    queryKey: [...DASHBOARD_KEY, "overview"],
    queryFn: () => get(client.GET("/api/v1/dashboard/overview")),
    ...options,
  });
  const weekly = useQuery({
    queryKey: [...DASHBOARD_KEY, "weekly"],
    queryFn: () => get(client.GET("/api/v1/dashboard/analytics/weekly")),
    ...options,
  });
  const analytics = useQuery({
    queryKey: [...DASHBOARD_KEY, "insights"],
    queryFn: () => get(client.GET("/api/v1/dashboard/analytics/insights")),
    ...options,
  });
  const latest = useQuery({
    queryKey: [...DASHBOARD_KEY, "latest"],
    queryFn: () => get(client.GET("/api/v1/dashboard/insights/latest", { params: { query: { limit: 6 } } })),
    ...options,
  });
  const health = useQuery({
    queryKey: [...DASHBOARD_KEY, "health"],
    queryFn: () => get(client.GET("/api/v1/dashboard/health/blockers")),
    ...options,
  });
  return { overview, weekly, analytics, latest, health };
}

export function useAdopt() {
  const api = useApi();
  const queryClient = useQueryClient();
  const client = createClient<paths>({ baseUrl: api.session.baseUrl, fetch: api.session.fetch });
  return useMutation({
    mutationFn: async ({ insight, adopted }: { insight: InsightHighlight; adopted: boolean }) => {
      const { data, error, response } = await client.PUT("/api/v1/dashboard/insights/{focus_group_id}/{insight_index}", {
        params: { path: { focus_group_id: insight.focus_group_id, insight_index: insight.index } },
        body: { adopted },
      });
      if (response.ok && data !== undefined) return data;
      throw toApiError(response.status, error);
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: DASHBOARD_KEY }),
  });
}
