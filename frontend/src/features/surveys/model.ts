// The builder's draft of a questionnaire and its API body. The server's check
// (POST /projects/{id}/surveys/check) is the authority; `localProblems` gives
// instant feedback while typing, with the same field paths.

export const QUESTION_TYPES = [
  "single-choice",
  "multiple-choice",
  "rating-scale",
  "numeric",
  "ranking",
  "open-text",
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];
export const CHOICE_TYPES: ReadonlySet<string> = new Set(["single-choice", "multiple-choice", "ranking"]);

export interface DraftQuestion {
  key: number;
  id: string;
  type: QuestionType;
  title: string;
  description: string;
  options: string[];
  required: boolean;
  scaleMin: number;
  scaleMax: number;
  min: number;
  max: number;
  unit: string;
  showIfQuestion: string;
  showIfValues: string[];
}

export interface Draft {
  title: string;
  description: string;
  questions: DraftQuestion[];
  respondents: { mode: "all" | "segments"; filters: Record<string, string[]> };
  shuffleOptions: boolean;
  ratingMode: "auto" | "direct" | "two-pass";
}

let nextKey = 1;

export function newQuestion(type: QuestionType, index: number): DraftQuestion {
  return {
    key: nextKey++,
    id: `q${index + 1}`,
    type,
    title: "",
    description: "",
    options: CHOICE_TYPES.has(type) ? ["", ""] : [],
    required: true,
    scaleMin: 1,
    scaleMax: 5,
    min: 0,
    max: 100,
    unit: "",
    showIfQuestion: "",
    showIfValues: [],
  };
}

export function toBody(draft: Draft): Record<string, unknown> {
  return {
    title: draft.title,
    description: draft.description,
    questions: draft.questions.map((q) => {
      const body: Record<string, unknown> = { id: q.id, type: q.type, title: q.title, required: q.required };
      if (q.description.trim()) body.description = q.description;
      if (CHOICE_TYPES.has(q.type)) body.options = q.options;
      if (q.type === "rating-scale") Object.assign(body, { scaleMin: q.scaleMin, scaleMax: q.scaleMax });
      if (q.type === "numeric") Object.assign(body, { min: q.min, max: q.max, unit: q.unit || undefined });
      if (q.showIfQuestion) {
        const source = draft.questions.find((s) => s.id === q.showIfQuestion);
        const numeric = source !== undefined && !CHOICE_TYPES.has(source.type);
        body.showIf = {
          questionId: q.showIfQuestion,
          anyOf: q.showIfValues.map((v) => (numeric ? Number(v) : v)),
        };
      }
      return body;
    }),
    respondents:
      draft.respondents.mode === "all"
        ? { mode: "all" }
        : { mode: "segments", segments: [{ filters: nonEmpty(draft.respondents.filters) }] },
    settings: { shuffle_options: draft.shuffleOptions, rating_mode: draft.ratingMode },
  };
}

function nonEmpty(filters: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(filters).filter(([, values]) => values.length > 0));
}

export interface LocalProblem {
  field: string;
  key: "title" | "options" | "duplicate" | "range" | "scale";
}

/** Problems visible without asking the server, with the API's field paths. */
export function localProblems(draft: Draft): LocalProblem[] {
  const problems: LocalProblem[] = [];
  draft.questions.forEach((q, i) => {
    if (!q.title.trim()) problems.push({ field: `questions.${i}.title`, key: "title" });
    if (CHOICE_TYPES.has(q.type)) {
      const filled = q.options.filter((o) => o.trim());
      if (filled.length < 2) problems.push({ field: `questions.${i}.options`, key: "options" });
      const seen = new Set<string>();
      q.options.forEach((option, j) => {
        const norm = option.trim().toLocaleLowerCase();
        if (norm && seen.has(norm)) problems.push({ field: `questions.${i}.options.${j}`, key: "duplicate" });
        seen.add(norm);
      });
    }
    if (q.type === "numeric" && !(q.min < q.max)) problems.push({ field: `questions.${i}.max`, key: "range" });
    if (q.type === "rating-scale" && !(q.scaleMin < q.scaleMax))
      problems.push({ field: `questions.${i}.scaleMax`, key: "scale" });
  });
  return problems;
}

/** The question index a field path (`questions.3.options.1`) belongs to. */
export function questionIndex(field: string): number | null {
  const match = /^questions\.(\d+)/.exec(field);
  return match ? Number(match[1]) : null;
}
