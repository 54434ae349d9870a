import { useMemo } from "react";
import createClient from "openapi-fetch";
import { followEventStream, SseParser, toApiError, useApi } from "../../api";
import type { Api, SseEvent } from "../../api";
import type { components, paths } from "../../api/schema";

// Focus groups (src/sight/focus_groups/endpoints.py) and their analysis
// (src/sight/analysis/endpoints.py), typed from the generated schema.

type Schemas = components["schemas"];
export type FocusGroup = Schemas["FocusGroupRead"];
export type FocusGroupDetail = Schemas["FocusGroupDetail"];
export type FocusGroupCreate = Schemas["FocusGroupCreate"];
export type FocusGroupPage = Schemas["Page_FocusGroupRead_"];
export type Transcript = Schemas["Transcript"];
export type TranscriptResponse = Schemas["ResponseRead"];
export type RunAccepted = Schemas["sight__focus_groups__schemas__RunAccepted"];
export type ChatMessage = Schemas["ChatMessageRead"];
export type ChatHistory = Schemas["ChatHistory"];
export type AISummary = Schemas["AISummary"];
export type KeyInsight = Schemas["KeyInsight"];
export type Evidence = Schemas["Evidence"];
export type SentimentReport = Schemas["SentimentReport"];
export type ThemeReport = Schemas["ThemeReport"];
export type ConceptGraph = Schemas["ConceptGraphRead"];
export type AnalysisStatus = Schemas["AnalysisStatusRead"];
export type AnalysisAccepted = Schemas["AnalysisAccepted"];
export type SegmentAnalysis = Schemas["SegmentAnalysis"];
export type Mode = FocusGroupCreate["mode"];
export type Estimate = Record<string, unknown>;

export const groupsKey = (projectId: string) => ["projects", projectId, "focus-groups"] as const;
export const groupKey = (groupId: string) => ["focus-groups", groupId] as const;
export const transcriptKey = (groupId: string) => ["focus-groups", groupId, "responses"] as const;
export const analysisKey = (groupId: string) => ["focus-groups", groupId, "analysis"] as const;
export const chatKey = (personaId: string) => ["personas", personaId, "chat"] as const;

/** The group's live stream ends after one of these. */
export const ROOM_TERMINAL: ReadonlySet<string> = new Set(["completed", "failed", "cancelled"]);
const CHAT_TERMINAL: ReadonlySet<string> = new Set(["answer_done", "error"]);

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function unwrap<T>({ data, error, response }: Result<T>): T {
  if (response.ok && data !== undefined) return data;
  throw toApiError(response.status, error);
}

export function createFocusGroupsApi(api: Api) {
  const { session } = api;
  const client = createClient<paths>({ baseUrl: session.baseUrl, fetch: session.fetch });
  const group = (groupId: string) => ({ path: { focus_group_id: groupId } });

  return {
    /** The group's stimulus picture (behind the same access as the group). */
    async stimulusImage(url: string): Promise<Blob> {
      const response = await session.fetch(new Request(`${session.baseUrl}${url}`));
      if (!response.ok) throw toApiError(response.status, await response.json().catch(() => null));
      return response.blob();
    },
    async list(projectId: string): Promise<FocusGroupPage> {
      return unwrap(
        await client.GET("/api/v1/projects/{project_id}/focus-groups", {
          params: { path: { project_id: projectId }, query: { limit: 100, offset: 0 } },
        }),
      );
    },

    async create(projectId: string, body: FocusGroupCreate): Promise<FocusGroup> {
      return unwrap(
        await client.POST("/api/v1/projects/{project_id}/focus-groups", {
          params: { path: { project_id: projectId } },
          body,
        }),
      );
    },

    async get(groupId: string): Promise<FocusGroupDetail> {
      return unwrap(await client.GET("/api/v1/focus-groups/{focus_group_id}", { params: group(groupId) }));
    },

    async remove(groupId: string): Promise<void> {
      const result = await client.DELETE("/api/v1/focus-groups/{focus_group_id}", { params: group(groupId) });
      if (!result.response.ok) throw toApiError(result.response.status, result.error);
    },

    async estimate(groupId: string): Promise<Estimate> {
      return unwrap(await client.GET("/api/v1/focus-groups/{focus_group_id}/estimate", { params: group(groupId) }));
    },

    async run(groupId: string): Promise<RunAccepted> {
      return unwrap(await client.POST("/api/v1/focus-groups/{focus_group_id}/run", { params: group(groupId) }));
    },

    async cancel(groupId: string): Promise<FocusGroup> {
      return unwrap(await client.POST("/api/v1/focus-groups/{focus_group_id}/cancel", { params: group(groupId) }));
    },

    async transcript(groupId: string): Promise<Transcript> {
      return unwrap(await client.GET("/api/v1/focus-groups/{focus_group_id}/responses", { params: group(groupId) }));
    },

    /** The live room; resolves with the terminal event's type. */
    followRoom(groupId: string, onEvent: (event: SseEvent) => void, signal: AbortSignal): Promise<string> {
      return followEventStream({
        fetch: session.fetch,
        url: `${session.baseUrl}/api/v1/focus-groups/${encodeURIComponent(groupId)}/events`,
        onEvent,
        terminal: ROOM_TERMINAL,
        signal,
      });
    },

    async analysisStatus(groupId: string): Promise<AnalysisStatus> {
      return unwrap(await client.GET("/api/v1/focus-groups/{focus_group_id}/analysis", { params: group(groupId) }));
    },

    async startSummary(
      groupId: string,
      options: { use_pro_model: boolean; include_recommendations: boolean },
    ): Promise<AnalysisAccepted> {
      return unwrap(
        await client.POST("/api/v1/focus-groups/{focus_group_id}/ai-summary", {
          params: { ...group(groupId), query: options },
        }),
      );
    },

    async summary(groupId: string): Promise<AISummary> {
      return unwrap(await client.GET("/api/v1/focus-groups/{focus_group_id}/ai-summary", { params: group(groupId) }));
    },

    async sentiment(groupId: string): Promise<SentimentReport> {
      return unwrap(await client.GET("/api/v1/focus-groups/{focus_group_id}/sentiment", { params: group(groupId) }));
    },

    async themes(groupId: string): Promise<ThemeReport> {
      return unwrap(await client.GET("/api/v1/focus-groups/{focus_group_id}/themes", { params: group(groupId) }));
    },

    async conceptGraph(groupId: string): Promise<ConceptGraph> {
      return unwrap(
        await client.GET("/api/v1/focus-groups/{focus_group_id}/concept-graph", { params: group(groupId) }),
      );
    },

    async chatHistory(personaId: string): Promise<ChatHistory> {
      return unwrap(
        await client.GET("/api/v1/personas/{persona_id}/chat", { params: { path: { persona_id: personaId } } }),
      );
    },

    /** POST a question; the reply streams back as SSE (message, text_delta…, answer_done). */
    async chat(
      personaId: string,
      message: string,
      onEvent: (event: SseEvent) => void,
      signal: AbortSignal,
    ): Promise<void> {
      const url = `${session.baseUrl}/api/v1/personas/${encodeURIComponent(personaId)}/chat`;
      const response = await session.fetch(
        new Request(url, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
          body: JSON.stringify({ message }),
          signal,
        }),
      );
      if (!response.ok || response.body === null) {
        throw toApiError(response.status, await response.json().catch(() => null));
      }
      const parser = new SseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        for (const event of parser.feed(value)) {
          onEvent(event);
          if (CHAT_TERMINAL.has(event.event)) {
            await reader.cancel().catch(() => {});
            return;
          }
        }
      }
    },
  };
}

export type FocusGroupsApi = ReturnType<typeof createFocusGroupsApi>;

export function useFocusGroupsApi(): FocusGroupsApi {
  const api = useApi();
  return useMemo(() => createFocusGroupsApi(api), [api]);
}

/** A JSON event body, or null when it is not an object. */
export function eventData(event: SseEvent): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(event.data);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
