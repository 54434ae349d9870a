import { describe, expect, it } from "vitest";
import { localProblems, newQuestion, questionIndex, toBody, type Draft } from "./model";

function draft(): Draft {
  const choice = { ...newQuestion("single-choice", 0), title: "Buy?", options: ["Yes", "No"] };
  const why = { ...newQuestion("open-text", 1), title: "Why?", showIfQuestion: "q1", showIfValues: ["Yes"] };
  return {
    title: "Coffee",
    description: "",
    questions: [choice, why],
    respondents: { mode: "all", filters: {} },
    shuffleOptions: true,
    ratingMode: "auto",
  };
}

describe("survey builder model", () => {
  it("builds the API body with camelCase question fields and skip logic", () => {
    const body = toBody(draft());
    const questions = body.questions as Record<string, unknown>[];
    expect(questions[0]).toMatchObject({ id: "q1", type: "single-choice", options: ["Yes", "No"] });
    expect(questions[1]).toMatchObject({ showIf: { questionId: "q1", anyOf: ["Yes"] } });
    expect(body.respondents).toEqual({ mode: "all" });
    expect(body.settings).toEqual({ shuffle_options: true, rating_mode: "auto" });
  });

  it("reports missing text, too few and duplicate options, and bad ranges", () => {
    const d = draft();
    d.questions[0] = { ...newQuestion("single-choice", 0), title: "Buy?", options: ["Yes", " yes "] };
    d.questions.push({ ...newQuestion("numeric", 2), title: "", min: 5, max: 5 });
    const fields = localProblems(d).map((p) => `${p.field}:${p.key}`);
    expect(fields).toContain("questions.0.options.1:duplicate");
    expect(fields).toContain("questions.2.title:title");
    expect(fields).toContain("questions.2.max:range");
    expect(questionIndex("questions.12.options.3")).toBe(12);
    expect(questionIndex("title")).toBeNull();
  });

  it("sends segments only with the chosen values", () => {
    const d = draft();
    d.respondents = { mode: "segments", filters: { gender: ["female"], age_group: [] } };
    expect(toBody(d).respondents).toEqual({ mode: "segments", segments: [{ filters: { gender: ["female"] } }] });
  });
});
