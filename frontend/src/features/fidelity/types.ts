// Shapes of the fidelity API (src/sight/fidelity/schemas.py and report.py),
// written out so this feature does not wait on the shared generated schema.

export interface Measures {
  score: number | null;
  uniform_baseline: number | null;
  overall_as_prediction: number | null;
  perfect_at_n: number | null;
}

export interface Differences {
  clear_differences: number;
  direction_matched: number;
  direction_share: number | null;
  size_ratio: number | null;
  correlation: number | null;
}

export interface GroupResult extends Measures {
  id: string;
  questions: number;
  kind: string;
  n_synthetic: number;
  beats_uniform: number;
  beats_demographics_only: number;
  differences?: Differences | null;
}

export interface Cell {
  score: number;
  uniform_baseline: number;
  perfect_at_n: number;
  overall_as_prediction?: number;
  n_synthetic: number;
  n_human: number;
  synthetic: number[];
  human: number[];
}

export interface QuestionResult extends Measures {
  id: string;
  short: string | null;
  topic: string;
  text: string;
  options: string[];
  omitted_options: string[];
  scale: string;
  kind: string;
  dropped: number;
  groups: Record<string, Cell>;
}

export interface TopicResult extends Measures {
  topic: string;
  questions: number;
}

export interface Report {
  summary: Measures & {
    overall_score: number | null;
    verdict: string;
    groups: number;
    questions: number;
    respondents: number;
    dropped_answers: number;
    drop_rate: number | null;
    reference_perfect_table: Record<string, number> | null;
  };
  groups: GroupResult[];
  topics: TopicResult[];
  questions: QuestionResult[];
  worst: { groups: string[]; topics: string[]; questions: string[] };
  differences: Differences & { clear_threshold: number; chance_direction_share: number };
  repeatability: {
    benchmark: string;
    provider: string;
    model: string;
    generated_by: string[];
    prompt_version: string;
    fidelity_version: string;
    persona_sample: { method: string; per_group: number; seed: number; respondents: number; digest: string; overall: string };
    seed: number;
    volunteered_options: string;
    options_shuffled: boolean;
    calls: number;
    cost_usd: number;
    started_at: string;
    finished_at: string;
  };
  offline: boolean;
  benchmark: { name: string; title: string; country: string; citation: string | null };
}

export interface RunSummary {
  id: string;
  project_id: string | null;
  job_id: string | null;
  study_id: string | null;
  status: string;
  benchmark: string;
  country: string;
  params: { per_group: number; seed: number; questions: string[] | null; groups: string[] | null; volunteered: string };
  provider: string;
  model: string;
  prompt_version: string;
  offline: boolean;
  calls: number;
  cost_usd: number;
  score: number | null;
  error: string | null;
  progress: number | null;
  progress_message: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface Run extends RunSummary {
  result: Report | null;
}

export interface RunPage {
  items: RunSummary[];
  total: number;
}

export interface RunAccepted {
  run_id: string;
  job_id: string;
  run_url: string;
  respondents: number;
  estimate: { calls: number; usd: number; priced: boolean; provider: string; model: string };
}

export interface BenchmarkInfo {
  name: string;
  title: string;
  country: string;
  questions: number;
  groups: string[];
  question_ids: string[];
  citation: string | null;
}

export interface ColumnInfo {
  name: string;
  kind: string;
  distinct: number;
  values: { value: string; count: number }[];
  suggested_role?: string | null;
  dropped?: string;
}

export interface Study {
  id: string;
  project_id: string;
  name: string;
  filename: string;
  country: string;
  layout: "respondents" | "distributions";
  status: "needs_mapping" | "ready";
  rows: number;
  columns: ColumnInfo[];
  mapping: Record<string, unknown> | null;
  questions: { id: string; text: string; options: string[]; scale: string; groups: Record<string, number> }[];
  groups: { id: string; label?: string }[];
  created_at: string;
}

export interface GroupValue {
  value: string;
  dimension?: string;
  categories?: string[];
  age?: [number, number];
}

export interface StudyMappingBody {
  group_columns?: { column: string; name?: string; values: GroupValue[] }[];
  question_columns?: { column: string; text?: string; options: string[]; scale: "ordinal" | "nominal" }[];
  roles?: Record<string, string>;
  groups?: GroupValue[];
}
