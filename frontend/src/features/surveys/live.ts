import type { SseEvent } from "../../api";
import type { QuestionResult } from "./types";

// The live state of a survey run, rebuilt from its stream (src/sight/surveys/events.py).

export type RespondentState = "waiting" | "answering" | "done" | "failed";

export interface LivePerson {
  id: string;
  name: string;
  state: RespondentState;
  repaired: number;
  unusable: number;
  reason?: string;
}

export interface Live {
  done: number;
  total: number;
  /** Every respondent of the run in its order, with its state. */
  people: LivePerson[];
  recent: { name: string; repaired: number; unusable: number; failed?: string }[];
  partial: QuestionResult[] | null;
  /** The final statistics are stored (`results` event); themes may follow. */
  resultsReady: boolean;
  themesPending: boolean;
  ended: string | null;
}

export const EMPTY: Live = {
  done: 0,
  total: 0,
  people: [],
  recent: [],
  partial: null,
  resultsReady: false,
  themesPending: false,
  ended: null,
};

function update(people: LivePerson[], ids: Set<string>, change: (p: LivePerson) => LivePerson): LivePerson[] {
  return people.map((p) => (ids.has(p.id) ? change(p) : p));
}

function known(people: LivePerson[], id: string, name: string): LivePerson[] {
  // A respondent the list did not name (an older run's stream): add it.
  return people.some((p) => p.id === id) ? people : [...people, { id, name, state: "waiting", repaired: 0, unusable: 0 }];
}

export function reduce(live: Live, event: SseEvent): Live {
  const data = JSON.parse(event.data) as Record<string, unknown>;
  switch (event.event) {
    case "started":
      return { ...EMPTY, total: Number(data.total), done: Number(data.already_answered) };
    case "respondents": {
      const answered = new Set((data.answered as string[] | undefined) ?? []);
      const listed = (data.respondents as { persona_id: string; persona_name: string }[]).map(
        (r): LivePerson => ({
          id: r.persona_id,
          name: r.persona_name,
          state: answered.has(r.persona_id) ? "done" : "waiting",
          repaired: 0,
          unusable: 0,
        }),
      );
      return { ...live, people: listed };
    }
    case "answering": {
      const ids = new Set(data.persona_ids as string[]);
      return { ...live, people: update(live.people, ids, (p) => (p.state === "waiting" ? { ...p, state: "answering" } : p)) };
    }
    case "progress":
      return { ...live, done: Math.max(live.done, Number(data.done)), total: Number(data.total) };
    case "respondent": {
      const id = String(data.persona_id);
      const name = String(data.persona_name);
      const repaired = (data.repaired as string[]).length;
      const unusable = (data.unusable as string[]).length;
      return {
        ...live,
        done: Math.max(live.done, Number(data.done)),
        people: update(known(live.people, id, name), new Set([id]), (p) => ({ ...p, state: "done", repaired, unusable })),
        recent: [{ name, repaired, unusable }, ...live.recent].slice(0, 8),
      };
    }
    case "respondent_failed": {
      const id = String(data.persona_id);
      const name = String(data.persona_name);
      const reason = String(data.reason);
      return {
        ...live,
        people: update(known(live.people, id, name), new Set([id]), (p) => ({ ...p, state: "failed", reason })),
        recent: [{ name, repaired: 0, unusable: 0, failed: reason }, ...live.recent].slice(0, 8),
      };
    }
    case "partial_results":
      return { ...live, partial: data.questions as QuestionResult[] };
    case "results":
      return { ...live, resultsReady: true, themesPending: Boolean(data.themes_pending) };
    case "completed":
      return { ...live, themesPending: false, ended: event.event };
    case "failed":
    case "cancelled":
      return { ...live, ended: event.event };
    default:
      return live;
  }
}

export function counts(people: LivePerson[]): Record<RespondentState, number> {
  const out: Record<RespondentState, number> = { waiting: 0, answering: 0, done: 0, failed: 0 };
  for (const p of people) out[p.state] += 1;
  return out;
}
