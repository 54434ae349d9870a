import { useMemo } from "react";
import { toApiError, useApi } from "../../api";
import type { Api } from "../../api";
import type { BenchmarkInfo, Run, RunAccepted, RunPage, Study, StudyMappingBody } from "./types";

// Fidelity (src/sight/fidelity/endpoints.py).

export const runsKey = (projectId: string) => ["projects", projectId, "fidelity"] as const;
export const studiesKey = (projectId: string) => ["projects", projectId, "fidelity", "studies"] as const;
export const runKey = (runId: string) => ["fidelity", "runs", runId] as const;
export const BENCHMARKS_KEY = ["fidelity", "benchmarks"] as const;

export const RUN_TERMINAL: ReadonlySet<string> = new Set(["completed", "failed", "cancelled"]);

export function createFidelityApi(api: Api) {
  const { session } = api;
  const send = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const response = await session.fetch(new Request(`${session.baseUrl}${path}`, init));
    const data: unknown = await response.json().catch(() => null);
    if (!response.ok) throw toApiError(response.status, data);
    return data as T;
  };
  const json = <T>(path: string, method: string, body: unknown): Promise<T> =>
    send<T>(path, { method, body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
  const ofProject = (projectId: string) => `/api/v1/projects/${encodeURIComponent(projectId)}/fidelity`;

  return {
    benchmarks: (): Promise<BenchmarkInfo[]> => send("/api/v1/fidelity/benchmarks"),
    list: (projectId: string): Promise<RunPage> => send(`${ofProject(projectId)}?limit=20&offset=0`),
    start: (projectId: string, body: Record<string, unknown>): Promise<RunAccepted> =>
      json(ofProject(projectId), "POST", body),
    get: (runId: string): Promise<Run> => send(`/api/v1/fidelity/runs/${encodeURIComponent(runId)}`),
    studies: (projectId: string): Promise<Study[]> => send(`${ofProject(projectId)}/studies`),
    upload(projectId: string, file: File, name: string): Promise<Study> {
      const form = new FormData();
      form.append("file", file);
      if (name.trim() !== "") form.append("name", name.trim());
      return send(`${ofProject(projectId)}/studies`, { method: "POST", body: form });
    },
    map: (studyId: string, body: StudyMappingBody): Promise<Study> =>
      json(`/api/v1/fidelity/studies/${encodeURIComponent(studyId)}/mapping`, "PUT", body),
  };
}

export type FidelityApi = ReturnType<typeof createFidelityApi>;

export function useFidelityApi(): FidelityApi {
  const api = useApi();
  return useMemo(() => createFidelityApi(api), [api]);
}
