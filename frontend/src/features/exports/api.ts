import { toApiError } from "../../api";
import type { Api } from "../../api";

// Exports (src/sight/exports/endpoints.py): a file now, or, for a project
// report, a job with progress whose finished result names the file to download.

export type ExportKind = "project" | "persona" | "focusGroup" | "survey";
export type ExportFormat = "pdf" | "docx" | "md" | "json" | "xlsx" | "csv";

export const FORMATS: Record<ExportKind, readonly ExportFormat[]> = {
  project: ["pdf", "docx", "md", "xlsx", "csv", "json"],
  persona: ["pdf", "docx", "md", "json"],
  focusGroup: ["pdf", "docx", "md", "xlsx", "csv", "json"],
  survey: ["pdf", "docx", "md", "xlsx", "csv", "json"],
};

/** Formats built as a job (the report itself); tables and data come at once. */
export const AS_JOB: ReadonlySet<ExportFormat> = new Set(["pdf", "docx", "md"]);

export interface ExportJob {
  id: string;
  status: string;
  progress: number;
  error: string | null;
  result: { download_url?: string; filename?: string } | null;
}

export function exportUrl(kind: ExportKind, id: string, format: ExportFormat, full: boolean): string {
  const key = encodeURIComponent(id);
  if (kind === "project") return `/api/v1/projects/${key}/export/${format}?include_full_personas=${full}`;
  const path = { persona: "personas", focusGroup: "focus-groups", survey: "surveys" }[kind];
  return `/api/v1/export/${path}/${key}/${format}`;
}

function filenameOf(response: Response, fallback: string): string {
  const header = response.headers.get("Content-Disposition") ?? "";
  const match = /filename="([^"]+)"/.exec(header);
  return match?.[1] ?? fallback;
}

export function createExportsApi(api: Api) {
  const { session } = api;
  const call = (path: string, init?: RequestInit) => session.fetch(new Request(`${session.baseUrl}${path}`, init));
  return {
    /** The file's bytes and name (the browser is asked to save it by the caller). */
    async download(path: string, fallback: string): Promise<{ blob: Blob; filename: string }> {
      const response = await call(path);
      if (!response.ok) throw toApiError(response.status, await response.json().catch(() => null));
      return { blob: await response.blob(), filename: filenameOf(response, fallback) };
    },
    async startProjectReport(projectId: string, format: ExportFormat, full: boolean): Promise<{ job_id: string }> {
      const response = await call(`/api/v1/projects/${encodeURIComponent(projectId)}/exports`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ format, include_full_personas: full }),
      });
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok) throw toApiError(response.status, body);
      return body as { job_id: string };
    },
    async job(jobId: string): Promise<ExportJob> {
      const response = await call(`/api/v1/jobs/${encodeURIComponent(jobId)}`);
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok) throw toApiError(response.status, body);
      return body as ExportJob;
    },
    async cancel(jobId: string): Promise<void> {
      await call(`/api/v1/jobs/${encodeURIComponent(jobId)}/cancel`, { method: "POST" });
    },
  };
}

/** Hands a downloaded file to the browser's "save" flow. */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
