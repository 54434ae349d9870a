import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { AnalysisPage } from "./AnalysisPage";
import { GROCERY, json, renderAt, routeTable } from "./testing";

const ID = GROCERY.group.id;

function server() {
  return routeTable({
    [`GET /api/v1/focus-groups/${ID}`]: () => json(GROCERY.group),
    [`GET /api/v1/focus-groups/${ID}/analysis`]: () => json(GROCERY.status),
    [`GET /api/v1/focus-groups/${ID}/ai-summary`]: () => json(GROCERY.summary),
    [`GET /api/v1/focus-groups/${ID}/sentiment`]: () => json(GROCERY.sentiment),
    [`GET /api/v1/focus-groups/${ID}/themes`]: () => json(GROCERY.themes),
    [`GET /api/v1/focus-groups/${ID}/concept-graph`]: () => json(GROCERY.graph),
    [`GET /api/v1/focus-groups/${ID}/responses`]: () => json(GROCERY.transcript),
  });
}

const show = (locale: "en" | "pl" = "en") =>
  renderAt(`/focus-groups/${ID}/analysis`, "/focus-groups/:focusGroupId/analysis", <AnalysisPage />, server().fetch, locale);

describe("the analysis page", () => {
  it("shows the summary with its insights, marked as made offline", async () => {
    show();
    expect(await screen.findByText(GROCERY.summary.executive_summary)).toBeInTheDocument();
    const insights = screen.getAllByRole("listitem").filter((li) => li.classList.contains("fg-insight"));
    expect(insights).toHaveLength(GROCERY.summary.key_insights.length);
    expect(screen.getAllByText("Offline engine").length).toBeGreaterThanOrEqual(4);
    for (const recommendation of GROCERY.summary.recommendations) {
      expect(screen.getByText(recommendation)).toBeInTheDocument();
    }
  });

  it("highlights a quote in the transcript when it is clicked", async () => {
    show();
    const evidence = GROCERY.summary.key_insights[0]?.evidence[0];
    if (evidence === undefined) throw new Error("the fixture has evidence");
    const quoteLinks = await screen.findAllByRole("link", { name: evidence.quote });
    const first = quoteLinks[0];
    if (first === undefined) throw new Error("quote link");
    await screen.findByText("Transcript");
    const line = document.getElementById(`turn-${evidence.response_id}`);
    expect(line).not.toBeNull();
    expect(line?.querySelector("mark")).toBeNull();
    await userEvent.click(first);
    const mark = line?.querySelector("mark");
    expect(mark?.textContent).toBe(evidence.quote);
    expect(line).toHaveClass("lit");
  });

  it("charts sentiment per question and per segment with the report's counts", async () => {
    show();
    const perQuestion = await screen.findByRole("table", { name: "Sentiment per question" });
    const rows = within(perQuestion).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(GROCERY.sentiment.per_question.length);
    const q1 = GROCERY.sentiment.per_question[0];
    if (q1 === undefined) throw new Error("question");
    const cells = within(rows[0] as HTMLElement).getAllByRole("cell").map((c) => c.textContent);
    expect(cells.slice(1, 4)).toEqual([String(q1.positive), String(q1.neutral), String(q1.negative)]);

    await userEvent.selectOptions(screen.getByLabelText("Compare by"), "gender");
    const byGender = screen.getByRole("table", { name: "Sentiment by Gender" });
    const gender = GROCERY.sentiment.per_segment.dimensions.find((d) => d.dimension === "gender");
    expect(within(byGender).getAllByRole("row").slice(1)).toHaveLength(gender?.segments.length ?? -1);
  });

  it("lists themes with counts and opens a concept's details in the graph", async () => {
    show();
    const themes = await screen.findByRole("table", { name: "Themes by the number of answers that mention them" });
    const top = GROCERY.themes.themes[0];
    if (top === undefined) throw new Error("theme");
    const topRow = within(themes).getAllByRole("row")[1] as HTMLElement;
    expect(within(topRow).getByText(String(top.responses))).toBeInTheDocument();

    const node = GROCERY.graph.nodes[0];
    if (node === undefined) throw new Error("node");
    const button = screen.getByRole("button", { name: `${node.concept}, ${node.mentions} mentions` });
    expect(button).toHaveAttribute("aria-pressed", "false");
    await userEvent.click(button);
    expect(button).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByRole("heading", { name: node.concept, level: 4 })).toBeInTheDocument();
  });

  it("speaks Polish", async () => {
    show("pl");
    expect(await screen.findByRole("heading", { name: "Podsumowanie" })).toBeInTheDocument();
    expect(screen.getByRole("table", { name: "Wydźwięk według pytań" })).toBeInTheDocument();
    expect(screen.getAllByText("Silnik offline").length).toBeGreaterThan(0);
  });
});
