import { useQuery } from "@tanstack/react-query";
import { useApi } from "../../api";
import type { PersonaSummary } from "../../api";

export const summaryKey = (projectId: string) => ["projects", projectId, "summary"] as const;
export const personasKey = (projectId: string) => ["projects", projectId, "personas"] as const;

export function usePersonaSummary(projectId: string) {
  const api = useApi();
  return useQuery({
    queryKey: summaryKey(projectId),
    queryFn: () => api.personaSummary(projectId),
    enabled: projectId !== "",
  });
}

/** Category codes ("age_25_34", "some_college") → the server's labels from the summary. */
export function labeller(summary: PersonaSummary | undefined): (dimension: string, category: string) => string {
  const labels = new Map<string, string>();
  for (const [dimension, rows] of Object.entries(summary?.distributions ?? {})) {
    for (const row of rows) labels.set(`${dimension}/${row.category}`, row.label);
  }
  return (dimension, category) => labels.get(`${dimension}/${category}`) ?? category;
}
