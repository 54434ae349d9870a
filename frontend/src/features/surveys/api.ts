import { useMemo } from "react";
import { followEventStream, toApiError, useApi } from "../../api";
import type { Api, SseEvent } from "../../api";
import type { Crosstab, RunAccepted, Survey, SurveyCheck, SurveyPage, SurveyResults } from "./types";

// Surveys (src/sight/surveys/endpoints.py). The shapes are written out in
// types.ts (they mirror src/sight/surveys/schemas.py) so this feature does not
// depend on the shared generated schema being regenerated at the same moment.

export const surveysKey = (projectId: string) => ["projects", projectId, "surveys"] as const;
export const surveyKey = (surveyId: string) => ["surveys", surveyId] as const;
export const resultsKey = (surveyId: string) => ["surveys", surveyId, "results"] as const;
export const crosstabKey = (surveyId: string, question: string, by: string[]) =>
  ["surveys", surveyId, "crosstab", question, ...by] as const;

export const SURVEY_TERMINAL: ReadonlySet<string> = new Set(["completed", "failed", "cancelled"]);

export function createSurveysApi(api: Api) {
  const { session } = api;
  const json = async <T>(path: string, method = "GET", body?: unknown): Promise<T> => {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "Content-Type": "application/json" };
    }
    const response = await session.fetch(new Request(`${session.baseUrl}${path}`, init));
    const data: unknown = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw toApiError(response.status, data);
    return data as T;
  };
  const one = (surveyId: string) => `/api/v1/surveys/${encodeURIComponent(surveyId)}`;
  const ofProject = (projectId: string) => `/api/v1/projects/${encodeURIComponent(projectId)}/surveys`;

  return {
    list(projectId: string): Promise<SurveyPage> {
      return json(`${ofProject(projectId)}?limit=100&offset=0`);
    },
    /** The definition is checked on the server (422 with field paths). */
    create(projectId: string, body: Record<string, unknown>): Promise<Survey> {
      return json(ofProject(projectId), "POST", body);
    },
    check(projectId: string, body: Record<string, unknown>): Promise<SurveyCheck> {
      return json(`${ofProject(projectId)}/check`, "POST", body);
    },
    get(surveyId: string): Promise<Survey> {
      return json(one(surveyId));
    },
    async remove(surveyId: string): Promise<void> {
      await json(one(surveyId), "DELETE");
    },
    run(surveyId: string): Promise<RunAccepted> {
      return json(`${one(surveyId)}/run`, "POST");
    },
    /** Stops a run through its job; the answers so far are kept. */
    async cancel(jobId: string): Promise<void> {
      await json(`/api/v1/jobs/${encodeURIComponent(jobId)}/cancel`, "POST");
    },
    results(surveyId: string): Promise<SurveyResults> {
      return json(`/api/v1/surveys/${encodeURIComponent(surveyId)}/results`);
    },
    crosstab(surveyId: string, question: string, by: string[]): Promise<Crosstab> {
      const query = new URLSearchParams({ question });
      for (const field of by) query.append("by", field);
      return json(`/api/v1/surveys/${encodeURIComponent(surveyId)}/crosstabs?${query.toString()}`);
    },
    /** A signed download (the export needs the bearer token, so no plain link). */
    async download(surveyId: string, format: "csv" | "xlsx" | "json", title: string): Promise<void> {
      const response = await session.fetch(
        new Request(`${session.baseUrl}/api/v1/surveys/${encodeURIComponent(surveyId)}/export?format=${format}`),
      );
      if (!response.ok) throw toApiError(response.status, await response.json().catch(() => null));
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement("a");
      link.href = url;
      link.download = `${title.replace(/[^\p{L}\p{N}_-]+/gu, "-") || "survey"}.${format}`;
      link.click();
      URL.revokeObjectURL(url);
    },
    /** The live run; resolves with the terminal event's type. */
    follow(surveyId: string, onEvent: (event: SseEvent) => void, signal: AbortSignal): Promise<string> {
      return followEventStream({
        fetch: session.fetch,
        url: `${session.baseUrl}/api/v1/surveys/${encodeURIComponent(surveyId)}/events`,
        onEvent,
        terminal: SURVEY_TERMINAL,
        signal,
      });
    },
  };
}

export type SurveysApi = ReturnType<typeof createSurveysApi>;

export function useSurveysApi(): SurveysApi {
  const api = useApi();
  return useMemo(() => createSurveysApi(api), [api]);
}
