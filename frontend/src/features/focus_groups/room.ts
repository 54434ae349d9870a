import type { SseEvent } from "../../api";
import { eventData } from "./api";
import type { Transcript } from "./api";

// The live room's state: the transcript as it is spoken. Seeded from
// GET /responses and advanced by the group's stream events; applying an event
// twice (a replay after a reconnect) changes nothing, because every turn has one
// key: question, round and speaker, as the server's unique constraint.

export type TurnStatus = "speaking" | "ok" | "failed";

export interface Turn {
  key: string;
  responseId: string | null;
  questionIndex: number;
  round: number;
  wave: number;
  position: number;
  role: "persona" | "moderator";
  personaId: string | null;
  personaName: string | null;
  segment: string | null;
  replyToId: string | null;
  text: string;
  status: TurnStatus;
  probe: boolean;
  error: string | null;
  generatedBy: string | null;
}

export interface QuestionView {
  index: number;
  text: string;
  planned: number;
  answered: number;
  failed: number;
  done: boolean;
  turns: Turn[];
}

export type RoomPhase = "pending" | "running" | "completed" | "failed" | "cancelled";

export interface RoomState {
  phase: RoomPhase;
  questions: QuestionView[];
  done: number;
  total: number;
  error: string | null;
}

const turnKey = (questionIndex: number, round: number, personaId: string | null) =>
  `${questionIndex}:${round}:${personaId ?? "moderator"}`;

export function emptyRoom(questions: string[], phase: RoomPhase = "pending"): RoomState {
  return {
    phase,
    questions: questions.map((text, index) => ({
      index,
      text,
      planned: 0,
      answered: 0,
      failed: 0,
      done: false,
      turns: [],
    })),
    done: 0,
    total: 0,
    error: null,
  };
}

export function roomFromTranscript(transcript: Transcript, phase: RoomPhase): RoomState {
  const room = emptyRoom(
    transcript.questions.map((q) => q.question),
    phase,
  );
  for (const question of transcript.questions) {
    const view = room.questions[question.question_index];
    if (view === undefined) continue;
    for (const r of question.responses) {
      view.turns.push({
        key: turnKey(r.question_index, r.round, r.persona_id),
        responseId: r.id,
        questionIndex: r.question_index,
        round: r.round,
        wave: r.wave,
        position: r.position,
        role: r.role,
        personaId: r.persona_id,
        personaName: r.persona_name,
        segment: r.segment,
        replyToId: r.reply_to_id,
        text: r.response,
        status: r.status,
        probe: r.role === "moderator",
        error: r.error,
        generatedBy: r.generated_by,
      });
      if (r.role === "persona") {
        if (r.status === "ok") view.answered += 1;
        else view.failed += 1;
      }
    }
    view.done = phase !== "running" && view.turns.length > 0;
  }
  return room;
}

const str = (value: unknown): string | null => (typeof value === "string" ? value : null);
const num = (value: unknown): number => (typeof value === "number" ? value : 0);

function sortTurns(turns: Turn[]): Turn[] {
  return turns.sort((a, b) => a.round - b.round || a.position - b.position);
}

function updateQuestion(room: RoomState, index: number, change: (q: QuestionView) => QuestionView): RoomState {
  const questions = room.questions.map((q) => (q.index === index ? change(q) : q));
  return { ...room, questions };
}

function upsertTurn(q: QuestionView, key: string, change: (turn: Turn | undefined) => Turn | null): QuestionView {
  const existing = q.turns.find((t) => t.key === key);
  const next = change(existing);
  if (next === null) return q;
  const others = q.turns.filter((t) => t.key !== key);
  return { ...q, turns: sortTurns([...others, next]) };
}

/** The room after one stream event (pure). */
export function applyRoomEvent(room: RoomState, event: SseEvent): RoomState {
  const data = eventData(event);
  if (data === null) return room;
  const index = num(data["question_index"]);
  const round = num(data["round"]);
  switch (event.event) {
    case "question_started":
      return updateQuestion({ ...room, phase: "running" }, index, (q) => ({
        ...q,
        text: str(data["text"]) ?? q.text,
        planned: round === 0 ? num(data["speakers"]) : q.planned,
      }));
    case "speaker_started": {
      const personaId = str(data["persona_id"]);
      const key = turnKey(index, round, personaId);
      return updateQuestion(room, index, (q) =>
        upsertTurn(q, key, (turn) =>
          turn !== undefined
            ? null
            : {
                key,
                responseId: null,
                questionIndex: index,
                round,
                wave: num(data["wave"]),
                position: num(data["position"]),
                role: data["role"] === "moderator" ? "moderator" : "persona",
                personaId,
                personaName: str(data["persona_name"]),
                segment: str(data["segment"]),
                replyToId: str(data["reply_to_id"]),
                text: "",
                status: "speaking",
                probe: data["role"] === "moderator",
                error: null,
                generatedBy: null,
              },
        ),
      );
    }
    case "text_delta": {
      const key = turnKey(index, round, str(data["persona_id"]));
      const text = str(data["text"]) ?? "";
      return updateQuestion(room, index, (q) =>
        upsertTurn(q, key, (turn) =>
          turn === undefined || turn.status !== "speaking" ? null : { ...turn, text: turn.text + text },
        ),
      );
    }
    case "answer_done": {
      const personaId = str(data["persona_id"]);
      const key = turnKey(index, round, personaId);
      const status = data["status"] === "failed" ? "failed" : "ok";
      let counted = false;
      const next = updateQuestion(room, index, (q) =>
        upsertTurn(q, key, (turn) => {
          counted = turn?.status !== "ok" && turn?.status !== "failed";
          return {
            key,
            responseId: str(data["response_id"]),
            questionIndex: index,
            round,
            wave: num(data["wave"]),
            position: num(data["position"]),
            role: data["role"] === "moderator" ? "moderator" : "persona",
            personaId,
            personaName: turn?.personaName ?? null,
            segment: turn?.segment ?? null,
            replyToId: str(data["reply_to_id"]),
            text: str(data["text"]) ?? turn?.text ?? "",
            status,
            probe: turn?.probe ?? data["role"] === "moderator",
            error: str(data["error"]),
            generatedBy: str(data["generated_by"]),
          };
        }),
      );
      if (!counted || data["role"] === "moderator") return next;
      return updateQuestion(next, index, (q) =>
        status === "ok" ? { ...q, answered: q.answered + 1 } : { ...q, failed: q.failed + 1 },
      );
    }
    case "probe": {
      const responseId = str(data["response_id"]);
      return updateQuestion(room, index, (q) => ({
        ...q,
        turns: q.turns.map((t) => (t.responseId === responseId || (t.role === "moderator" && t.round === 1) ? { ...t, probe: true } : t)),
      }));
    }
    case "question_done":
      return updateQuestion(room, index, (q) => ({
        ...q,
        done: true,
        answered: Math.max(q.answered, num(data["answered"])),
        failed: Math.max(q.failed, num(data["failed"])),
      }));
    case "progress":
      return { ...room, done: num(data["done"]), total: num(data["total"]) };
    case "completed":
      return { ...room, phase: "completed" };
    case "cancelled":
      return { ...room, phase: "cancelled" };
    case "failed":
      return { ...room, phase: "failed", error: str(data["error"]) };
    default:
      return room;
  }
}
