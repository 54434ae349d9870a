import type { SseEvent } from "../../api";

// What the upload queue shows per file: the upload itself, then the ingestion job's
// stream (`progress` events with done/total, then completed | failed | cancelled).

export type UploadPhase = "uploading" | "queued" | "processing" | "ready" | "duplicate" | "failed" | "cancelled";

export interface UploadItem {
  /** Local id: the same file may be dropped twice. */
  key: string;
  name: string;
  size: number;
  phase: UploadPhase;
  /** 0..1 of the ingestion job. */
  fraction: number;
  documentId: string | null;
  jobId: string | null;
  /** The server's words when the upload or the job failed. */
  error: string | null;
  streamLost: boolean;
}

export const FINISHED: ReadonlySet<UploadPhase> = new Set(["ready", "duplicate", "failed", "cancelled"]);

export function newUpload(key: string, file: { name: string; size: number }): UploadItem {
  return {
    key,
    name: file.name,
    size: file.size,
    phase: "uploading",
    fraction: 0,
    documentId: null,
    jobId: null,
    error: null,
    streamLost: false,
  };
}

function record(data: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Applies one event of the document's ingestion job; progress never goes back. */
export function applyUploadEvent(item: UploadItem, event: SseEvent): UploadItem {
  const data = record(event.data);
  switch (event.event) {
    case "status":
      return data["status"] === "running" && item.phase === "queued" ? { ...item, phase: "processing" } : item;
    case "progress": {
      const done = data["done"];
      const total = data["total"];
      const given = data["fraction"];
      const fraction =
        typeof given === "number"
          ? given
          : typeof done === "number" && typeof total === "number" && total > 0
            ? done / total
            : item.fraction;
      return { ...item, phase: "processing", fraction: Math.max(item.fraction, Math.min(1, fraction)) };
    }
    case "completed":
      return { ...item, phase: "ready", fraction: 1 };
    case "failed":
      return { ...item, phase: "failed", error: typeof data["error"] === "string" ? data["error"] : item.error };
    case "cancelled":
      return { ...item, phase: "cancelled" };
    default:
      return item; // log, item, heartbeat
  }
}
