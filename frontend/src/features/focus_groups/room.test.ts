import type { SseEvent } from "../../api";
import { applyRoomEvent, emptyRoom } from "./room";
import type { RoomState } from "./room";

const ev = (event: string, data: Record<string, unknown>): SseEvent => ({ id: null, event, data: JSON.stringify(data) });
const ANNA = "11111111-1111-4111-8111-111111111111";

function play(events: SseEvent[], start: RoomState = emptyRoom(["First impression?"])): RoomState {
  return events.reduce(applyRoomEvent, start);
}

const SPEECH = [
  ev("question_started", { question_index: 0, round: 0, text: "First impression?", speakers: 2, waves: 1 }),
  ev("speaker_started", {
    question_index: 0, round: 0, wave: 0, position: 0, role: "persona",
    persona_id: ANNA, persona_name: "Anna Smith", segment: "25-34/female/high", reply_to_id: null,
  }),
  ev("text_delta", { question_index: 0, round: 0, persona_id: ANNA, text: "I love " }),
  ev("text_delta", { question_index: 0, round: 0, persona_id: ANNA, text: "how quick it is." }),
];

describe("the live room", () => {
  it("shows words as they arrive, then the stored answer", () => {
    const speaking = play(SPEECH);
    const turn = speaking.questions[0]?.turns[0];
    expect(turn?.text).toBe("I love how quick it is.");
    expect(turn?.status).toBe("speaking");
    expect(turn?.personaName).toBe("Anna Smith");
    expect(speaking.questions[0]?.planned).toBe(2);

    const done = play([
      ev("answer_done", {
        response_id: "r1", question_index: 0, round: 0, wave: 0, position: 0, role: "persona",
        persona_id: ANNA, reply_to_id: null, status: "ok", text: "I love how quick it is.",
        word_count: 6, latency_ms: 900, first_token_ms: 200, generated_by: "offline-engine",
      }),
      ev("progress", { stage: "answers", done: 1, total: 2, fraction: 0.5 }),
    ], speaking);
    expect(done.questions[0]?.turns[0]?.status).toBe("ok");
    expect(done.questions[0]?.answered).toBe(1);
    expect(done.done).toBe(1);
  });

  it("ignores a replay of what it already applied", () => {
    const once = play(SPEECH);
    const twice = play(SPEECH, once);
    expect(twice.questions[0]?.turns).toHaveLength(1);
    // Deltas replayed after the answer is stored do not add words twice.
    const stored = play([ev("answer_done", {
      response_id: "r1", question_index: 0, round: 0, persona_id: ANNA, role: "persona",
      status: "ok", text: "I love how quick it is.",
    })], once);
    const replayed = play(SPEECH, stored);
    expect(replayed.questions[0]?.turns[0]?.text).toBe("I love how quick it is.");
    expect(replayed.questions[0]?.answered).toBe(1);
  });

  it("marks the moderator's probe and ends with the terminal event", () => {
    const room = play([
      ...SPEECH,
      ev("speaker_started", { question_index: 0, round: 1, wave: 0, position: 2, role: "moderator", persona_id: null }),
      ev("text_delta", { question_index: 0, round: 1, persona_id: null, text: "Why quick?" }),
      ev("answer_done", { response_id: "m1", question_index: 0, round: 1, role: "moderator", persona_id: null, status: "ok", text: "Why quick?" }),
      ev("probe", { question_index: 0, response_id: "m1", text: "Why quick?", reason: "vague", addressed_to: [ANNA] }),
      ev("question_done", { question_index: 0, answered: 2, failed: 0, probed: true }),
      ev("failed", { error: "budget reached" }),
    ]);
    const probe = room.questions[0]?.turns.find((t) => t.role === "moderator");
    expect(probe?.probe).toBe(true);
    expect(probe?.text).toBe("Why quick?");
    expect(room.questions[0]?.done).toBe(true);
    expect(room.phase).toBe("failed");
    expect(room.error).toBe("budget reached");
  });
});
