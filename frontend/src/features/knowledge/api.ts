import { useMemo } from "react";
import createClient from "openapi-fetch";
import { followEventStream, JOB_TERMINAL_EVENTS, toApiError, useApi } from "../../api";
import type { Api, SseEvent } from "../../api";
import type { components, paths } from "../../api/schema";

// The knowledge domain's calls (src/sight/knowledge/endpoints.py), typed from the
// generated schema. Kept in the feature so the shared client stays small.

type Schemas = components["schemas"];
export type KnowledgeDocument = Schemas["DocumentRead"];
export type DocumentPage = Schemas["Page_DocumentRead_"];
export type UploadResult = Schemas["UploadResult"];
export type SearchResponse = Schemas["SearchResponse"];
export type SearchResult = Schemas["SearchResult"];
export type SearchMode = Schemas["SearchRequest"]["mode"];
export type AskResponse = Schemas["AskResponse"];
export type Citation = Schemas["Citation"];
export type Chunk = Schemas["ChunkRead"];
export type KnowledgeGraph = Schemas["GraphRead"];

export const documentsKey = (projectId: string) => ["projects", projectId, "documents"] as const;
export const graphKey = (projectId: string) => ["projects", projectId, "knowledge-graph"] as const;

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function unwrap<T>({ data, error, response }: Result<T>): T {
  if (response.ok && data !== undefined) return data;
  throw toApiError(response.status, error);
}

/** The server's chunk endpoint answers at most 50 chunks either side of an ordinal. */
const CHUNK_WINDOW = 50;

export function createKnowledgeApi(api: Api) {
  const { session } = api;
  const client = createClient<paths>({ baseUrl: session.baseUrl, fetch: session.fetch });
  const project = (projectId: string) => ({ path: { project_id: projectId } });

  async function chunks(projectId: string, documentId: string, around: number, window: number): Promise<Chunk[]> {
    return unwrap(
      await client.GET("/api/v1/projects/{project_id}/documents/{document_id}/chunks", {
        params: { path: { project_id: projectId, document_id: documentId }, query: { around, window } },
      }),
    );
  }

  return {
    async listDocuments(projectId: string): Promise<DocumentPage> {
      return unwrap(
        await client.GET("/api/v1/projects/{project_id}/documents", {
          params: { ...project(projectId), query: { limit: 200, offset: 0 } },
        }),
      );
    },

    /** Multipart upload; 202 starts a job, 200 means the same content was there already. */
    async upload(projectId: string, file: File, signal?: AbortSignal): Promise<UploadResult> {
      const form = new FormData();
      form.append("file", file, file.name);
      const url = `${session.baseUrl}/api/v1/projects/${encodeURIComponent(projectId)}/documents`;
      const response = await session.fetch(new Request(url, { method: "POST", body: form, signal: signal ?? null }));
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok || body === null) throw toApiError(response.status, body);
      return body as UploadResult;
    },

    async deleteDocument(projectId: string, documentId: string): Promise<void> {
      const result = await client.DELETE("/api/v1/projects/{project_id}/documents/{document_id}", {
        params: { path: { project_id: projectId, document_id: documentId } },
      });
      if (!result.response.ok) throw toApiError(result.response.status, result.error);
    },

    async search(projectId: string, query: string, mode: SearchMode, topK: number): Promise<SearchResponse> {
      return unwrap(
        await client.POST("/api/v1/projects/{project_id}/search", {
          params: project(projectId),
          body: { query, mode, top_k: topK, graph_expansion: false },
        }),
      );
    },

    async ask(projectId: string, question: string): Promise<AskResponse> {
      return unwrap(
        await client.POST("/api/v1/projects/{project_id}/ask", {
          params: project(projectId),
          body: { question, top_k: 6, mode: "hybrid", graph_expansion: false },
        }),
      );
    },

    async graph(projectId: string, limit = 120): Promise<KnowledgeGraph> {
      return unwrap(
        await client.GET("/api/v1/projects/{project_id}/knowledge-graph", {
          params: { ...project(projectId), query: { limit } },
        }),
      );
    },

    chunks,

    /**
     * The passage around one chunk. Citations carry the chunk's id, not its position,
     * so windows of the document are read in order until the id turns up.
     */
    async passage(
      projectId: string,
      documentId: string,
      chunkId: string,
      chunkCount: number,
      context = 1,
    ): Promise<{ chunks: Chunk[]; target: number } | null> {
      const span = 2 * CHUNK_WINDOW + 1;
      const count = Math.max(chunkCount, 1);
      // The anchor must be an existing chunk: the last one of a short document.
      for (let start = 0; start < count; start += span) {
        const around = Math.min(start + CHUNK_WINDOW, count - 1);
        const window = await chunks(projectId, documentId, around, CHUNK_WINDOW);
        const index = window.findIndex((chunk) => chunk.chunk_id === chunkId);
        if (index !== -1) {
          const from = Math.max(0, index - context);
          const picked = window.slice(from, index + context + 1);
          return { chunks: picked, target: index - from };
        }
      }
      return null;
    },

    /** Follows an ingestion job's stream until it ends. */
    followJob(jobId: string, onEvent: (event: SseEvent) => void, signal: AbortSignal): Promise<string> {
      return followEventStream({
        fetch: session.fetch,
        url: `${session.baseUrl}/api/v1/jobs/${encodeURIComponent(jobId)}/events`,
        onEvent,
        terminal: JOB_TERMINAL_EVENTS,
        signal,
      });
    },
  };
}

export type KnowledgeApi = ReturnType<typeof createKnowledgeApi>;

export function useKnowledgeApi(): KnowledgeApi {
  const api = useApi();
  return useMemo(() => createKnowledgeApi(api), [api]);
}
