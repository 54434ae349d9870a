import type { SseEvent } from "../../api";

export type JobPhase = "running" | "completed" | "failed" | "cancelled";
export type ItemStage = "started" | "enriched" | "validated" | "saved" | "failed";

export interface JobItem {
  slot: number;
  stage: ItemStage;
  name?: string;
  reason?: string;
  personaId?: string;
}

export interface JobProgress {
  done: number;
  total: number;
  fraction: number;
  message: string;
  /** "briefs" | "personas" (typed progress events); "" when the server gave none. */
  stage: string;
}

export interface JobView {
  jobId: string;
  phase: JobPhase;
  progress: JobProgress | null;
  /** By slot, in slot order. */
  items: JobItem[];
  error: string | null;
}

export function startJob(jobId: string, total: number): JobView {
  return { jobId, phase: "running", progress: { done: 0, total, fraction: 0, message: "", stage: "" }, items: [], error: null };
}

const STAGES: readonly string[] = ["started", "enriched", "validated", "saved", "failed"];

function record(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const num = (value: unknown, fallback: number) => (typeof value === "number" && Number.isFinite(value) ? value : fallback);
const str = (value: unknown) => (typeof value === "string" ? value : undefined);

/** Applies one event of a persona-generation job's stream. */
export function applyJobEvent(view: JobView, event: SseEvent): JobView {
  const data = record(event.data);
  if (data === null) return view;
  switch (event.event) {
    case "progress": {
      const total = num(data["total"], view.progress?.total ?? 0);
      const done = num(data["done"], 0);
      return {
        ...view,
        progress: {
          done,
          total,
          fraction: num(data["fraction"], total > 0 ? done / total : 0),
          message: str(data["message"]) ?? "",
          stage: str(data["stage"]) ?? "",
        },
      };
    }
    case "item": {
      const slot = data["slot"];
      const stage = data["stage"];
      if (typeof slot !== "number" || typeof stage !== "string" || !STAGES.includes(stage)) return view;
      const previous = view.items.find((item) => item.slot === slot);
      const item: JobItem = { slot, stage: stage as ItemStage };
      const name = str(data["name"]) ?? previous?.name;
      const reason = str(data["reason"]);
      const personaId = str(data["persona_id"]);
      if (name !== undefined) item.name = name;
      if (reason !== undefined) item.reason = reason;
      if (personaId !== undefined) item.personaId = personaId;
      const items = [...view.items.filter((other) => other.slot !== slot), item].sort((a, b) => a.slot - b.slot);
      return { ...view, items };
    }
    case "completed":
      return { ...view, phase: "completed" };
    case "failed":
      return { ...view, phase: "failed", error: str(data["error"]) ?? view.error };
    case "cancelled":
      return { ...view, phase: "cancelled" };
    default:
      return view; // status, log, heartbeat
  }
}
