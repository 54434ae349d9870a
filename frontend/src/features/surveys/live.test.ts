import { describe, expect, it } from "vitest";
import type { SseEvent } from "../../api";
import { counts, EMPTY, reduce } from "./live";

const ev = (event: string, data: Record<string, unknown>): SseEvent => ({ event, data: JSON.stringify(data) }) as SseEvent;

describe("the live survey run", () => {
  it("follows each respondent from waiting through answering to answered or failed", () => {
    const events = [
      ev("started", { job_id: "j", total: 4, already_answered: 1 }),
      ev("respondents", {
        respondents: [
          { persona_id: "a", persona_name: "Anna" },
          { persona_id: "b", persona_name: "Bartek" },
          { persona_id: "c", persona_name: "Celina" },
          { persona_id: "d", persona_name: "Darek" },
        ],
        answered: ["d"],
      }),
      ev("answering", { persona_ids: ["a", "b", "d"] }),
      ev("respondent", { persona_id: "a", persona_name: "Anna", done: 2, total: 4, repaired: ["q2"], unusable: [], generated_by: "x" }),
      ev("respondent_failed", { persona_id: "b", persona_name: "Bartek", reason: "timeout" }),
    ];
    const live = events.reduce(reduce, EMPTY);
    expect(live.people.map((p) => [p.name, p.state])).toEqual([
      ["Anna", "done"],
      ["Bartek", "failed"],
      ["Celina", "waiting"],
      ["Darek", "done"], // answered by an earlier attempt: not moved back to answering
    ]);
    expect(live.people[0]?.repaired).toBe(1);
    expect(live.people[1]?.reason).toBe("timeout");
    expect(counts(live.people)).toEqual({ waiting: 1, answering: 0, done: 2, failed: 1 });
    expect(live.done).toBe(2);
  });

  it("knows when the statistics are final and when the themes have followed", () => {
    let live = reduce(EMPTY, ev("results", { answered: 20, total: 20, themes_pending: true }));
    expect(live.resultsReady).toBe(true);
    expect(live.themesPending).toBe(true);
    live = reduce(live, ev("completed", { result: {} }));
    expect(live.themesPending).toBe(false);
    expect(live.ended).toBe("completed");
  });
});
