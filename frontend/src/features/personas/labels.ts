import { useQuery } from "@tanstack/react-query";
import { useApi } from "../../api";

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
