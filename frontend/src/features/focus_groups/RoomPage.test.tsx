import { screen } from "@testing-library/react";
import { RoomPage } from "./RoomPage";
import { GROCERY, json, renderAt, routeTable, sse } from "./testing";

const ANNA = "11111111-1111-4111-8111-111111111111";

describe("the live room", () => {
  it("streams a running group's transcript word by word with progress", async () => {
    const group = {
      ...GROCERY.group,
      id: "g1",
      status: "running",
      questions: [{ text: "First impression?", follow_up: "auto" }],
      timings: { ...GROCERY.group.timings, answers_expected: 2, answers_done: 0 },
    };
    const server = routeTable({
      "GET /api/v1/focus-groups/g1": () => json(group),
      "GET /api/v1/focus-groups/g1/responses": () =>
        json({ focus_group_id: "g1", status: "running", total_responses: 0, questions: [{ question_index: 0, question: "First impression?", follow_up: "auto", responses: [] }] }),
      "GET /api/v1/focus-groups/g1/events": () =>
        sse([
          { id: 1, event: "question_started", data: { question_index: 0, round: 0, text: "First impression?", speakers: 2, waves: 1 } },
          { id: 2, event: "speaker_started", data: { question_index: 0, round: 0, wave: 0, position: 0, role: "persona", persona_id: ANNA, persona_name: "Anna Smith", segment: "age_25_34/female/higher", reply_to_id: null } },
          { id: 3, event: "text_delta", data: { question_index: 0, round: 0, persona_id: ANNA, text: "Sounds handy " } },
          { id: 4, event: "text_delta", data: { question_index: 0, round: 0, persona_id: ANNA, text: "for busy weeks." } },
          { id: 5, event: "progress", data: { stage: "answers", done: 1, total: 2, fraction: 0.5 } },
          { id: 6, event: "cancelled", data: { reason: "cancelled by user" } },
        ]),
    });
    renderAt("/focus-groups/g1", "/focus-groups/:focusGroupId", <RoomPage />, server.fetch);
    expect(await screen.findByText("Sounds handy for busy weeks.")).toBeInTheDocument();
    expect(screen.getByText("Anna Smith")).toBeInTheDocument();
    expect(screen.getByText(/Female · higher education$/)).toBeInTheDocument();
    expect(screen.getByTestId("room-progress")).toHaveTextContent("1 of 2 answers");
    expect(screen.getByTestId("question-progress-0")).toHaveTextContent("0 of 2 answered");
    expect(await screen.findByText("Cancelled")).toBeInTheDocument();
  });
});
