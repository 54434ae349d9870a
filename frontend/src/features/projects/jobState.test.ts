import { applyJobEvent, startJob } from "./jobState";

const ev = (event: string, data: unknown, id = "1") => ({ id, event, data: JSON.stringify(data) });

describe("job view from events", () => {
  it("follows progress, items per slot and the terminal event", () => {
    let view = startJob("j", 2);
    view = applyJobEvent(view, ev("status", { status: "running" }));
    view = applyJobEvent(view, ev("item", { slot: 1, stage: "started" }));
    view = applyJobEvent(view, ev("item", { slot: 0, stage: "enriched", name: "Anna" }));
    view = applyJobEvent(view, ev("item", { slot: 1, stage: "enriched", name: "Jan" }));
    view = applyJobEvent(view, ev("item", { slot: 1, stage: "failed", reason: "invalid" }));
    view = applyJobEvent(view, ev("item", { slot: 0, stage: "saved", name: "Anna", persona_id: "p1" }));
    view = applyJobEvent(view, ev("progress", { done: 1, total: 2, fraction: 0.5, message: "Anna saved", stage: "personas" }));
    view = applyJobEvent(view, ev("heartbeat", { at: "now" }));
    expect(view.progress).toEqual({ done: 1, total: 2, fraction: 0.5, message: "Anna saved", stage: "personas" });
    expect(view.items).toEqual([
      { slot: 0, stage: "saved", name: "Anna", personaId: "p1" },
      { slot: 1, stage: "failed", name: "Jan", reason: "invalid" },
    ]);
    expect(view.phase).toBe("running");
    expect(applyJobEvent(view, ev("completed", { result: {} })).phase).toBe("completed");
    expect(applyJobEvent(view, ev("failed", { error: "boom" }))).toMatchObject({ phase: "failed", error: "boom" });
    expect(applyJobEvent(view, ev("cancelled", {})).phase).toBe("cancelled");
  });

  it("ignores malformed data", () => {
    const view = startJob("j", 1);
    expect(applyJobEvent(view, { id: null, event: "item", data: "not json" })).toBe(view);
    expect(applyJobEvent(view, ev("item", { slot: "x", stage: "saved" }))).toBe(view);
  });
});
