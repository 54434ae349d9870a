import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { InterviewPanel } from "./InterviewPanel";
import { json, renderAt, routeTable, sse } from "./testing";

const message = (id: string, role: "user" | "persona", content: string) => ({
  id, persona_id: "p1", role, content, generated_by: role === "persona" ? "offline-engine" : null,
  prompt_version: null, memory: [], created_at: "2026-12-01T09:00:00Z",
});

describe("the interview panel", () => {
  it("streams the persona's reply and keeps the conversation", async () => {
    const history = [message("m0", "user", "Hello?"), message("m1", "persona", "Hi there.")];
    const server = routeTable({
      "GET /api/v1/personas/p1/chat": () => json({ persona_id: "p1", messages: history }),
      "POST /api/v1/personas/p1/chat": () => {
        const question = message("m2", "user", "Why is the price a problem?");
        const answer = message("m3", "persona", "Because every złoty counts.");
        history.push(question, answer);
        return sse([
          { event: "message", data: { type: "message", message: question } },
          { event: "text_delta", data: { type: "text_delta", text: "Because every " } },
          { event: "text_delta", data: { type: "text_delta", text: "złoty counts." } },
          { event: "answer_done", data: { type: "answer_done", message: answer } },
        ]);
      },
    });
    renderAt("/x", "/x", <InterviewPanel personaId="p1" personaName="Irena" />, server.fetch);
    expect(await screen.findByText("Hi there.")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Your question"), "Why is the price a problem?");
    await userEvent.click(screen.getByRole("button", { name: "Ask" }));
    expect(await screen.findByText("Because every złoty counts.")).toBeInTheDocument();
    expect(screen.getByText("Why is the price a problem?")).toBeInTheDocument();
    const post = server.calls.find((c) => c.method === "POST");
    expect(JSON.parse(post?.body ?? "{}")).toEqual({ message: "Why is the price a problem?" });
    expect(screen.getAllByText("Offline engine").length).toBe(2);
  });
});
